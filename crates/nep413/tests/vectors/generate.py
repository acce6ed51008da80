#!/usr/bin/env python3
"""Generates NEP-413 known-answer vectors with an implementation independent of the Rust crate.

Signing is libsodium (PyNaCl); the borsh encoding is written by hand below, straight from the
NEP-413 text. Run from this directory:

    pip install pynacl
    python3 generate.py > generated.json

Keys are derived from fixed labels, so the output is deterministic (ed25519 signatures are).
"""

import base64
import hashlib
import json
import struct

import nacl.signing

TAG = (1 << 31) + 413
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def borsh_string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<I", len(raw)) + raw


def payload_bytes(message: str, nonce: bytes, recipient: str, callback_url):
    assert len(nonce) == 32
    out = struct.pack("<I", TAG) + borsh_string(message) + nonce + borsh_string(recipient)
    if callback_url is None:
        out += b"\x00"
    else:
        out += b"\x01" + borsh_string(callback_url)
    return out


def key_for(label: str) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(hashlib.sha256(("nep413-generated:" + label).encode()).digest())


def nonce_wire(nonce: bytes, form: str) -> str:
    if form == "base64":
        return base64.b64encode(nonce).decode()
    if form == "base64_unpadded":
        return base64.b64encode(nonce).decode().rstrip("=")
    if form == "hex":
        return nonce.hex()
    if form == "json_array":
        return json.dumps(list(nonce))
    if form == "decimal":
        return nonce.decode().lstrip("0")
    raise ValueError(form)


def signature_wire(sig: bytes, form: str) -> str:
    if form == "base64":
        return base64.b64encode(sig).decode()
    if form == "base64_unpadded":
        return base64.b64encode(sig).decode().rstrip("=")
    if form == "ed25519_base58":
        return "ed25519:" + b58encode(sig)
    if form == "base58":
        return b58encode(sig)
    raise ValueError(form)


def case(cid, description, *, label, message, nonce, recipient, signed_callback=None,
         claimed_callback="same", account=None, nonce_form="base64", sig_form="base64"):
    sk = key_for(label)
    pk = bytes(sk.verify_key)
    payload = payload_bytes(message, nonce, recipient, signed_callback)
    digest = hashlib.sha256(payload).digest()
    sig = sk.sign(digest).signature
    assert len(sig) == 64
    return {
        "id": cid,
        "description": description,
        "seed_hex": bytes(sk).hex(),
        "public_key": "ed25519:" + b58encode(pk),
        "public_key_hex": pk.hex(),
        "account_id": account if account is not None else pk.hex(),
        "message": message,
        "nonce_hex": nonce.hex(),
        "nonce_wire": nonce_wire(nonce, nonce_form),
        "recipient": recipient,
        "signed_callback_url": signed_callback,
        "claimed_callback_url": signed_callback if claimed_callback == "same" else claimed_callback,
        "payload_hex": payload.hex(),
        "sha256_hex": digest.hex(),
        "signature_hex": sig.hex(),
        "signature_wire": signature_wire(sig, sig_form),
    }


def main():
    n = lambda label: hashlib.sha256(("nonce:" + label).encode()).digest()  # noqa: E731
    ts = b"00000000000000000001741287395592"
    claim = json.dumps({"action": "login", "domain": "nearly.social", "version": 1,
                        "timestamp": 1741287395592}, separators=(",", ":"))
    cases = [
        case("P1", "ascii message, implicit account, padded base64 everywhere",
             label="p1", message="Hello NEAR!", nonce=n("p1"), recipient="nearly.social"),
        case("P2", "unicode message (accents, CJK, emoji, combining mark), unpadded base64",
             label="p2", message="h\u00e9llo \u4e16\u754c \U0001f30d e\u0301", nonce=n("p2"),
             recipient="nearly.social", nonce_form="base64_unpadded", sig_form="base64_unpadded"),
        case("P3", "empty message", label="p3", message="", nonce=bytes(32), recipient="a"),
        case("P4", "long message (10000 bytes)", label="p4", message="x" * 9990 + "0123456789",
             nonce=n("p4"), recipient="nearly.social"),
        case("P5", "signed with a callback URL", label="p5", message="with callback",
             nonce=n("p5"), recipient="app.near", signed_callback="https://app.example/cb?x=1&y=%20"),
        case("P6", "signed with an empty callback URL (Some(\"\"))", label="p6",
             message="empty callback", nonce=n("p6"), recipient="app.near", signed_callback=""),
        case("P7", "named account, ed25519:base58 signature (custody form)", label="p7",
             message=claim, nonce=n("p7"), recipient="nearly.social", account="alice.near",
             sig_form="ed25519_base58"),
        case("P8", "named account, bare base58 signature, hex nonce (near-cli-rs form)",
             label="p8", message="cli", nonce=n("p8"), recipient="nearly.social",
             account="bob.testnet", nonce_form="hex", sig_form="base58"),
        case("P9", "NEAR AI timestamp nonce sent unpadded as decimal", label="p9",
             message="Welcome to NEAR AI Hub!", nonce=ts, recipient="ai.near",
             signed_callback="https://app.near.ai/sign-in/callback", nonce_form="decimal"),
        case("P10", "nonce as a JSON array of 32 ints", label="p10", message="array nonce",
             nonce=bytes(range(32)), recipient="nearly.social", nonce_form="json_array"),
        case("P11", "claim carries a callback the wallet did not sign (verifier retries None)",
             label="p11", message="retry", nonce=n("p11"), recipient="nearly.social",
             signed_callback=None, claimed_callback="http://localhost:3000"),
        case("P12", "unicode recipient and control characters in the message", label="p12",
             message="line1\nline2\ttab\u0000nul", nonce=n("p12"), recipient="\u00fcn\u00efcode.app"),
        case("P13", "verify-claim style JSON message on an implicit account", label="p13",
             message=claim, nonce=n("p13"), recipient="nearly.social"),
    ]
    doc = {
        "note": "NEP-413 vectors generated by tests/vectors/generate.py with PyNaCl (libsodium) "
                "and a hand-written borsh encoding, independent of the nep413 crate. "
                "signed_callback_url is inside the signed payload; claimed_callback_url is what "
                "the claim reports (they differ only where the verifier must retry with None).",
        "vectors": cases,
    }
    print(json.dumps(doc, indent=1, ensure_ascii=True))


if __name__ == "__main__":
    main()
