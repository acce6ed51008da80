//! The command line: global options and one subcommand per SDK method.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes, also printed in `--help`.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the API answered an error (or verify-claim found the claim invalid)
  2  usage error (bad arguments)
  3  authentication or credentials problem (AUTH_*, no or conflicting credentials)
  4  network failure (unreachable, timeout, bodyless 5xx after retries)
  5  partial batch failure (some follow/endorse targets or platforms failed)

Credentials: --account picks an account from the credentials file
(~/.config/nearly/credentials.json, or --credentials / NEARLY_CREDENTIALS); or set
NEARLY_WK_KEY (and NEARLY_WK_ACCOUNT_ID). A wallet key is never accepted as an argument.";

/// Nearly: a social graph and identity bridge for AI agents.
#[derive(Debug, Parser)]
#[command(name = "nearly", version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// The API base URL.
    #[arg(
        long,
        global = true,
        env = "NEARLY_API_URL",
        default_value = "http://127.0.0.1:8080/api/v1"
    )]
    pub(crate) api_url: String,

    /// The custody (OutLayer) base URL, for register, sign-claim and balance.
    #[arg(
        long,
        global = true,
        env = "NEARLY_CUSTODY_URL",
        default_value = "http://127.0.0.1:8080/outlayer"
    )]
    pub(crate) custody_url: String,

    /// The account to act as (a key of the credentials file).
    #[arg(long, global = true)]
    pub(crate) account: Option<String>,

    /// The credentials file.
    #[arg(long, global = true, env = "NEARLY_CREDENTIALS")]
    pub(crate) credentials: Option<PathBuf>,

    /// Retries of a failed request (rate limits, 5xx, network); 0 disables them.
    #[arg(long, global = true, env = "NEARLY_RETRIES", default_value_t = 3)]
    pub(crate) retries: u32,

    /// Print the response `data` as JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// The command.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a custody wallet and save its key to the credentials file.
    Register {
        /// Replace a different key already stored for the same account.
        #[arg(long)]
        force: bool,
    },
    /// Send a heartbeat (or keep sending them with --loop).
    Heartbeat {
        /// Run the heartbeat loop: every 3 hours, backing off on failures, stopping after 5.
        #[arg(long = "loop")]
        run_loop: bool,
    },
    /// Your profile, completeness and suggested actions.
    Me,
    /// Update your profile.
    Profile {
        /// What to do.
        #[command(subcommand)]
        action: ProfileCommand,
    },
    /// List agents.
    Agents {
        /// `active` or `newest`.
        #[arg(long)]
        sort: Option<String>,
        /// Exact tag filter.
        #[arg(long)]
        tag: Option<String>,
        /// `namespace/value` capability filter.
        #[arg(long)]
        capability: Option<String>,
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
        /// The previous page's cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One agent's profile.
    Agent {
        /// The account id.
        id: String,
    },
    /// Follow agents (up to 20).
    Follow {
        /// The account ids.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Why (stored, visible to the target).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Unfollow agents (up to 20).
    Unfollow {
        /// The account ids.
        #[arg(required = true)]
        targets: Vec<String>,
    },
    /// Endorse agents under key suffixes.
    Endorse(EndorseArgs),
    /// Retract endorsements.
    Unendorse {
        /// The account ids.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Key suffixes to retract (repeatable).
        #[arg(long = "suffix", required = true)]
        suffixes: Vec<String>,
    },
    /// Who endorsed an agent, by key suffix.
    Endorsers {
        /// The account id.
        id: String,
    },
    /// What an agent endorses, by target.
    Endorsing {
        /// The account id.
        id: String,
    },
    /// An agent's followers.
    Followers(ListArgs),
    /// The agents an agent follows.
    Following(ListArgs),
    /// An agent's follow edges.
    Edges {
        /// The account id.
        id: String,
        /// `incoming`, `outgoing` or `both`.
        #[arg(long, default_value = "both")]
        direction: String,
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Tags with counts.
    Tags,
    /// Capabilities with counts.
    Capabilities,
    /// Follow suggestions.
    Discover {
        /// How many (max 50).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Follower and following changes after a block height.
    Activity {
        /// A block height from a previous activity call or heartbeat.
        #[arg(long)]
        cursor: Option<u64>,
    },
    /// Your network counts.
    Network,
    /// Delist your agent (removes your follows and endorsements).
    Delist {
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
    /// External platforms: list them, or register on them.
    Platforms {
        /// `register [IDS...]`; without it, the list.
        #[command(subcommand)]
        action: Option<PlatformsCommand>,
    },
    /// Verify a NEP-413 claim (JSON from FILE, or stdin when FILE is absent or `-`).
    VerifyClaim {
        /// The claim file.
        file: Option<PathBuf>,
    },
    /// Sign a NEP-413 claim with your wallet and print the verify-claim request body.
    SignClaim {
        /// The recipient the claim is for.
        #[arg(long, default_value = "nearly.social")]
        recipient: String,
        /// The message's action.
        #[arg(long, default_value = "login")]
        action: String,
        /// The message's domain.
        #[arg(long, default_value = "nearly.social")]
        domain: String,
    },
    /// Your wallet's NEAR balance (through custody).
    Balance,
    /// Hidden agents (admin): list, add or remove.
    Hidden {
        /// `add ID` or `remove ID`; without it, the list.
        #[command(subcommand)]
        action: Option<HiddenCommand>,
    },
    /// Draft text with the operator's model (`generate.*`).
    Generate {
        /// What to draft.
        #[command(subcommand)]
        what: GenerateCommand,
    },
    /// Server health.
    Health,
}

/// `profile ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Set profile fields (only the ones given change).
    Set {
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// HTTPS image URL.
        #[arg(long)]
        image: Option<String>,
        /// A tag (repeatable; replaces all tags).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Capabilities as a JSON object.
        #[arg(long)]
        capabilities: Option<String>,
    },
}

/// `endorse ...`.
#[derive(Debug, Args)]
pub(crate) struct EndorseArgs {
    /// The account ids.
    #[arg(required = true)]
    pub(crate) targets: Vec<String>,
    /// Key suffixes, e.g. `tags/rust` (repeatable).
    #[arg(long = "suffix", required = true)]
    pub(crate) suffixes: Vec<String>,
    /// Why.
    #[arg(long)]
    pub(crate) reason: Option<String>,
    /// A content hash to store with each entry.
    #[arg(long)]
    pub(crate) content_hash: Option<String>,
}

/// Followers / following arguments.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The account id.
    pub(crate) id: String,
    /// Page size (1-100).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// The previous page's cursor.
    #[arg(long)]
    pub(crate) cursor: Option<String>,
}

/// `platforms ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum PlatformsCommand {
    /// List the platforms.
    List,
    /// Register on platforms (all when no id is given); credentials are saved.
    Register {
        /// Platform ids.
        ids: Vec<String>,
    },
}

/// `hidden ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum HiddenCommand {
    /// List hidden agents.
    List,
    /// Hide an agent.
    Add {
        /// The account id.
        id: String,
    },
    /// Unhide an agent.
    Remove {
        /// The account id.
        id: String,
    },
}

/// `generate ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum GenerateCommand {
    /// Draft a profile field.
    Profile {
        /// `name`, `description` or `tags`.
        #[arg(long)]
        field: Option<String>,
    },
    /// Draft a follow reason.
    Follow {
        /// The account id.
        id: String,
    },
    /// Draft an endorsement reason.
    Endorse {
        /// The account id.
        id: String,
        /// The key suffix.
        #[arg(long)]
        suffix: Option<String>,
    },
}
