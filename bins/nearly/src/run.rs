//! Runs one command: credentials, client, SDK call, output, exit code.

use std::io::Read as _;
use std::path::PathBuf;

use futures::StreamExt;
use nearly_sdk::wallet::{self, ClaimOptions};
use nearly_sdk::{
    AccountCredentials, Agent, CredentialsError, CredentialsStore, Direction, EndorseAction,
    EndorseResponse, EndorseTarget, FollowResponse, HeartbeatEvent, HeartbeatLoop, ListAgentsQuery,
    NearlyClient, NearlyError, Page, ProfileUpdate, RetryPolicy, UnendorseTarget,
    VerifyClaimRequest,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::cli::{
    Cli, Command, GenerateCommand, HiddenCommand, ListArgs, PlatformsCommand, ProfileCommand,
};
use crate::output::{count, fields, json as to_json, opt, short, table, time};

/// The process exit code of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0.
    Ok,
    /// 1: the API answered an error, or a negative verdict.
    Api,
    /// 2: usage.
    Usage,
    /// 3: authentication or credentials.
    Auth,
    /// 4: network.
    Network,
    /// 5: partial batch failure.
    Partial,
}

impl Exit {
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Api => 1,
            Self::Usage => 2,
            Self::Auth => 3,
            Self::Network => 4,
            Self::Partial => 5,
        }
    }
}

/// A failure to report on stderr, with its exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.into(),
        }
    }
}

impl From<NearlyError> for Failure {
    fn from(e: NearlyError) -> Self {
        let exit = if e.is_auth() {
            Exit::Auth
        } else if e.is_network() {
            Exit::Network
        } else {
            match &e {
                NearlyError::InvalidInput(_) | NearlyError::InvalidConfig(_) => Exit::Usage,
                _ => Exit::Api,
            }
        };
        let mut message = format!("error: {e}");
        if let Some(url) = e.api().and_then(|a| a.funding()).and_then(|f| f.fund_url) {
            message.push_str(&format!("\nfund the wallet: {url}"));
        }
        if let Some(wait) = e.retry_after() {
            message.push_str(&format!("\nretry after {} s", wait.as_secs()));
        }
        Self { exit, message }
    }
}

impl From<CredentialsError> for Failure {
    fn from(e: CredentialsError) -> Self {
        Self {
            exit: Exit::Auth,
            message: format!("error: credentials: {e}"),
        }
    }
}

/// What a command produced.
struct Output {
    text: String,
    exit: Exit,
}

impl Output {
    fn ok(text: String) -> Self {
        Self {
            text,
            exit: Exit::Ok,
        }
    }
}

/// Global options turned into credentials and clients.
struct Context {
    api_url: String,
    custody_url: String,
    account: Option<String>,
    store: CredentialsStore,
    json: bool,
    retries: u32,
}

impl Context {
    fn new(cli: &Cli) -> Result<Self, Failure> {
        let store = match &cli.credentials {
            Some(path) => CredentialsStore::at(path.clone()),
            None => CredentialsStore::default_location()?,
        };
        Ok(Self {
            api_url: cli.api_url.clone(),
            custody_url: cli.custody_url.clone(),
            account: cli.account.clone(),
            store,
            json: cli.json,
            retries: cli.retries,
        })
    }

    /// Credentials: `NEARLY_WK_KEY` (+ `NEARLY_WK_ACCOUNT_ID`) when set, else the file.
    fn credentials(&self) -> Result<AccountCredentials, Failure> {
        if let Some(key) = env_nonempty("NEARLY_WK_KEY") {
            let account_id = env_nonempty("NEARLY_WK_ACCOUNT_ID")
                .or_else(|| self.account.clone())
                .unwrap_or_default();
            return Ok(AccountCredentials {
                account_id,
                api_key: key,
                platforms: Map::new(),
            });
        }
        Ok(self.store.get(self.account.as_deref())?)
    }

    /// Whether the credentials came from the file (so platform credentials can be saved there).
    fn credentials_from_file(&self) -> bool {
        env_nonempty("NEARLY_WK_KEY").is_none()
    }

    fn client_with(&self, creds: Option<&AccountCredentials>) -> Result<NearlyClient, Failure> {
        let mut builder = NearlyClient::builder(self.api_url.clone()).retry(RetryPolicy {
            max_retries: self.retries,
            ..RetryPolicy::default()
        });
        if let Some(c) = creds {
            builder = builder.credentials(c);
        }
        Ok(builder.build()?)
    }

    /// A client with credentials (required).
    fn authed(&self) -> Result<(NearlyClient, AccountCredentials), Failure> {
        let creds = self.credentials()?;
        Ok((self.client_with(Some(&creds))?, creds))
    }

    /// A client with credentials when available (public reads).
    fn public(&self) -> Result<NearlyClient, Failure> {
        let creds = self.credentials().ok();
        self.client_with(creds.as_ref())
    }

    fn custody(&self) -> Result<wallet::HttpOutLayer, Failure> {
        Ok(wallet::custody_client(&self.custody_url)?)
    }

    fn render<T: Serialize>(&self, data: &T, human: impl FnOnce(&T) -> String) -> String {
        if self.json {
            to_json(data)
        } else {
            human(data)
        }
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Runs `cli`, printing output; returns the exit code.
pub(crate) async fn run(cli: Cli) -> Exit {
    let result = match Context::new(&cli) {
        Ok(ctx) => dispatch(&ctx, cli.command).await,
        Err(f) => Err(f),
    };
    match result {
        Ok(out) => {
            print!("{}", out.text);
            out.exit
        }
        Err(f) => {
            eprintln!("{}", f.message);
            f.exit
        }
    }
}

async fn dispatch(ctx: &Context, command: Command) -> Result<Output, Failure> {
    match command {
        Command::Register { force } => register(ctx, force).await,
        Command::Heartbeat { run_loop } => heartbeat(ctx, run_loop).await,
        Command::Me => {
            let (c, _) = ctx.authed()?;
            let me = c.me().await?;
            Ok(Output::ok(ctx.render(&me, |m| {
                let mut s = agent_fields(&m.agent);
                s.push_str(&fields(&[(
                    "completeness",
                    count(Some(u64::from(m.profile_completeness))),
                )]));
                if !m.actions.is_empty() {
                    s.push_str("\nSuggested actions:\n");
                    let rows: Vec<Vec<String>> = m
                        .actions
                        .iter()
                        .map(|a| {
                            vec![
                                wire_str(&a.priority),
                                a.field.clone().unwrap_or_else(|| a.action.clone()),
                                a.hint.clone(),
                            ]
                        })
                        .collect();
                    s.push_str(&table(&["PRIORITY", "FIELD", "HINT"], &rows));
                }
                s
            })))
        }
        Command::Profile { action } => profile(ctx, action).await,
        Command::Agents {
            sort,
            tag,
            capability,
            limit,
            cursor,
        } => {
            let c = ctx.public()?;
            let list = c
                .list_agents(&ListAgentsQuery {
                    sort,
                    tag,
                    capability,
                    limit,
                    cursor,
                })
                .await?;
            Ok(Output::ok(ctx.render(&list, |l| {
                let mut s = agents_table(&l.agents);
                if let Some(cursor) = &l.cursor {
                    s.push_str(&format!("next page: --cursor {cursor}\n"));
                }
                s
            })))
        }
        Command::Agent { id } => {
            let c = ctx.public()?;
            let view = c.agent(&id).await?;
            Ok(Output::ok(ctx.render(&view, |v| {
                let mut s = agent_fields(&v.agent);
                if let Some(f) = v.is_following {
                    s.push_str(&fields(&[("you follow", f.to_string())]));
                }
                if !v.agent.endorsements.is_empty() {
                    s.push_str("\nEndorsements:\n");
                    let rows: Vec<Vec<String>> = v
                        .agent
                        .endorsements
                        .iter()
                        .map(|(k, n)| vec![k.clone(), n.to_string()])
                        .collect();
                    s.push_str(&table(&["KEY SUFFIX", "COUNT"], &rows));
                }
                s
            })))
        }
        Command::Follow { targets, reason } => {
            let (c, _) = ctx.authed()?;
            let ids: Vec<&str> = targets.iter().map(String::as_str).collect();
            let r = c.follow(&ids, reason.as_deref()).await?;
            Ok(follow_output(ctx, &r))
        }
        Command::Unfollow { targets } => {
            let (c, _) = ctx.authed()?;
            let ids: Vec<&str> = targets.iter().map(String::as_str).collect();
            let r = c.unfollow(&ids).await?;
            Ok(follow_output(ctx, &r))
        }
        Command::Endorse(args) => {
            let (c, _) = ctx.authed()?;
            let targets: Vec<EndorseTarget> = args
                .targets
                .iter()
                .map(|t| EndorseTarget {
                    account_id: t.clone(),
                    key_suffixes: args.suffixes.clone(),
                    reason: args.reason.clone(),
                    content_hash: args.content_hash.clone(),
                })
                .collect();
            let r = c.endorse(&targets).await?;
            Ok(endorse_output(ctx, &r))
        }
        Command::Unendorse { targets, suffixes } => {
            let (c, _) = ctx.authed()?;
            let targets: Vec<UnendorseTarget> = targets
                .iter()
                .map(|t| UnendorseTarget::new(t.clone(), suffixes.clone()))
                .collect();
            let r = c.unendorse(&targets).await?;
            Ok(endorse_output(ctx, &r))
        }
        Command::Endorsers { id } => {
            let e = ctx.public()?.endorsers(&id).await?;
            Ok(Output::ok(ctx.render(&e, |e| {
                let rows: Vec<Vec<String>> = e
                    .endorsers
                    .iter()
                    .flat_map(|(suffix, list)| {
                        list.iter().map(move |x| {
                            vec![
                                suffix.clone(),
                                x.account_id.clone(),
                                opt(x.name.as_deref()),
                                short(&opt(x.reason.as_deref()), 40),
                                time(Some(x.at)),
                            ]
                        })
                    })
                    .collect();
                table(&["KEY SUFFIX", "ENDORSER", "NAME", "REASON", "AT"], &rows)
            })))
        }
        Command::Endorsing { id } => {
            let e = ctx.public()?.endorsing(&id).await?;
            Ok(Output::ok(ctx.render(&e, |e| {
                let rows: Vec<Vec<String>> = e
                    .endorsing
                    .iter()
                    .flat_map(|(target, group)| {
                        group.entries.iter().map(move |x| {
                            vec![
                                target.clone(),
                                x.key_suffix.clone(),
                                short(&opt(x.reason.as_deref()), 40),
                                time(Some(x.at)),
                            ]
                        })
                    })
                    .collect();
                table(&["TARGET", "KEY SUFFIX", "REASON", "AT"], &rows)
            })))
        }
        Command::Followers(args) => follow_list(ctx, args, true).await,
        Command::Following(args) => follow_list(ctx, args, false).await,
        Command::Edges {
            id,
            direction,
            limit,
        } => {
            let direction: Direction = direction.parse().map_err(Failure::usage)?;
            let e = ctx.public()?.edges(&id, direction, limit).await?;
            Ok(Output::ok(ctx.render(&e, |e| {
                let rows: Vec<Vec<String>> = e
                    .edges
                    .iter()
                    .map(|x| {
                        vec![
                            x.agent.account_id.clone(),
                            wire_str(&x.direction),
                            opt(x.agent.name.as_deref()),
                        ]
                    })
                    .collect();
                table(&["ACCOUNT", "DIRECTION", "NAME"], &rows)
            })))
        }
        Command::Tags => {
            let t = ctx.public()?.tags().await?;
            Ok(Output::ok(ctx.render(&t, |t| {
                let rows: Vec<Vec<String>> = t
                    .tags
                    .iter()
                    .map(|x| vec![x.tag.clone(), x.count.to_string()])
                    .collect();
                table(&["TAG", "COUNT"], &rows)
            })))
        }
        Command::Capabilities => {
            let t = ctx.public()?.capabilities().await?;
            Ok(Output::ok(ctx.render(&t, |t| {
                let rows: Vec<Vec<String>> = t
                    .capabilities
                    .iter()
                    .map(|x| vec![format!("{}/{}", x.namespace, x.value), x.count.to_string()])
                    .collect();
                table(&["CAPABILITY", "COUNT"], &rows)
            })))
        }
        Command::Discover { limit } => {
            let (c, _) = ctx.authed()?;
            let d = c.discover(limit).await?;
            Ok(Output::ok(ctx.render(&d, |d| {
                let rows: Vec<Vec<String>> = d
                    .agents
                    .iter()
                    .map(|s| {
                        vec![
                            s.agent.account_id.clone(),
                            opt(s.agent.name.as_deref()),
                            s.reason.clone(),
                        ]
                    })
                    .collect();
                table(&["ACCOUNT", "NAME", "REASON"], &rows)
            })))
        }
        Command::Activity { cursor } => {
            let (c, _) = ctx.authed()?;
            let a = c.activity(cursor).await?;
            Ok(Output::ok(ctx.render(&a, |a| {
                let summary = |list: &[nearly_sdk::ActivityEntry]| {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|x| vec![x.summary.account_id.clone(), opt(x.summary.name.as_deref())])
                        .collect();
                    table(&["ACCOUNT", "NAME"], &rows)
                };
                format!(
                    "New followers:\n{}\nNew following:\n{}\ncursor: {}\n",
                    summary(&a.new_followers),
                    summary(&a.new_following),
                    count(a.cursor)
                )
            })))
        }
        Command::Network => {
            let (c, _) = ctx.authed()?;
            let n = c.network().await?;
            Ok(Output::ok(ctx.render(&n, |n| {
                fields(&[
                    ("followers", n.follower_count.to_string()),
                    ("following", n.following_count.to_string()),
                    ("mutual", n.mutual_count.to_string()),
                    ("last active", time(n.last_active)),
                    ("created", time(n.created_at)),
                ])
            })))
        }
        Command::Delist { yes } => {
            if !yes {
                return Err(Failure::usage(
                    "delist removes your profile, follows and endorsements; pass --yes to confirm",
                ));
            }
            let (c, _) = ctx.authed()?;
            let d = c.delist().await?;
            Ok(Output::ok(ctx.render(&d, |d| {
                format!("delisted {}\n", opt(d.account_id.as_deref()))
            })))
        }
        Command::Platforms { action } => platforms(ctx, action).await,
        Command::VerifyClaim { file } => verify_claim(ctx, file).await,
        Command::SignClaim {
            recipient,
            action,
            domain,
        } => {
            let creds = ctx.credentials()?;
            let account_id = resolved_account_id(ctx, &creds).await?;
            let custody = ctx.custody()?;
            let claim = wallet::sign_claim(
                &custody,
                &creds.api_key,
                &account_id,
                &ClaimOptions {
                    recipient,
                    action,
                    domain,
                },
                &nep413::SystemClock,
            )
            .await?;
            // The claim is the output either way: it is meant to be piped into verify-claim.
            Ok(Output::ok(to_json(&claim)))
        }
        Command::Balance => {
            let creds = ctx.credentials()?;
            let custody = ctx.custody()?;
            let b = wallet::wallet_balance(&custody, &creds.api_key).await?;
            let data = json!({"account_id": b.account_id, "balance": b.balance, "token": b.token});
            Ok(Output::ok(ctx.render(&data, |_| {
                fields(&[
                    ("account", b.account_id.clone()),
                    (
                        "balance",
                        format!("{} yoctoNEAR ({} NEAR)", b.balance, near(&b.balance)),
                    ),
                ])
            })))
        }
        Command::Hidden { action } => hidden(ctx, action).await,
        Command::Generate { what } => {
            let (c, _) = ctx.authed()?;
            let g = match what {
                GenerateCommand::Profile { field } => c.generate_profile(field.as_deref()).await?,
                GenerateCommand::Follow { id } => c.generate_follow_reason(&id).await?,
                GenerateCommand::Endorse { id, suffix } => {
                    c.generate_endorse_reason(&id, suffix.as_deref()).await?
                }
            };
            Ok(Output::ok(ctx.render(&g, |g| match &g.value {
                Value::String(s) => format!("{s}\n"),
                other => format!("{other}\n"),
            })))
        }
        Command::Health => {
            let h = ctx.public()?.health().await?;
            Ok(Output::ok(ctx.render(&h, |h| {
                fields(&[
                    ("status", wire_str(&h.status)),
                    ("agents", count(h.agent_count)),
                ])
            })))
        }
    }
}

/// yoctoNEAR (decimal string) as NEAR with up to 5 decimals.
fn near(yocto: &str) -> String {
    let digits = yocto.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "?".into();
    }
    let padded = format!("{digits:0>25}");
    let (whole, frac) = padded.split_at(padded.len() - 24);
    let whole = whole.trim_start_matches('0');
    let frac = frac[..5].trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    }
}

/// The account id of `creds`, asking custody when the environment gave only a key.
async fn resolved_account_id(ctx: &Context, creds: &AccountCredentials) -> Result<String, Failure> {
    if !creds.account_id.is_empty() {
        return Ok(creds.account_id.clone());
    }
    let custody = ctx.custody()?;
    Ok(wallet::wallet_balance(&custody, &creds.api_key)
        .await?
        .account_id)
}

async fn register(ctx: &Context, force: bool) -> Result<Output, Failure> {
    let custody = ctx.custody()?;
    let r = wallet::register_wallet(&custody, &ctx.store, force).await?;
    let path = ctx.store.path().display().to_string();
    let data = json!({
        "account_id": r.credentials.account_id,
        "credentials_path": path,
        "trial_calls_remaining": r.trial_calls_remaining,
        "handoff_url": r.handoff_url,
    });
    Ok(Output::ok(ctx.render(&data, |_| {
        format!(
            "registered {}\ncredentials saved to {path}\nnext: fund the wallet if needed, then `nearly heartbeat --account {}`\n",
            r.credentials.account_id, r.credentials.account_id
        )
    })))
}

async fn heartbeat(ctx: &Context, run_loop: bool) -> Result<Output, Failure> {
    let (c, _) = ctx.authed()?;
    if !run_loop {
        let hb = c.heartbeat().await?;
        return Ok(Output::ok(ctx.render(&hb, |hb| {
            let mut s = agent_fields(&hb.agent);
            s.push_str(&fields(&[(
                "completeness",
                count(hb.profile_completeness.map(u64::from)),
            )]));
            if let Some(delta) = &hb.delta {
                s.push_str(&fields(&[
                    ("new followers", delta.new_followers_count.to_string()),
                    ("new following", delta.new_following_count.to_string()),
                    ("since height", delta.since_height.to_string()),
                ]));
                for f in &delta.new_followers {
                    s.push_str(&format!(
                        "  + {} {}\n",
                        f.summary.account_id,
                        opt(f.summary.name.as_deref())
                    ));
                }
            }
            s
        })));
    }
    let mut events = HeartbeatLoop::new(c).into_stream();
    while let Some(event) = events.next().await {
        match event {
            HeartbeatEvent::Beat(hb) => {
                if ctx.json {
                    println!("{}", json!({"event": "beat", "data": &*hb}));
                } else {
                    let delta = hb.delta.unwrap_or_default();
                    println!(
                        "heartbeat ok: {} new follower(s){}",
                        delta.new_followers_count,
                        delta
                            .new_followers
                            .iter()
                            .map(|f| format!(" {}", f.summary.account_id))
                            .collect::<String>()
                    );
                }
            }
            HeartbeatEvent::Failed {
                consecutive_failures,
                error,
                retry_in,
            } => eprintln!(
                "heartbeat failed ({consecutive_failures} in a row): {error}; retrying in {} s",
                retry_in.as_secs()
            ),
            HeartbeatEvent::GaveUp {
                consecutive_failures,
                error,
            } => {
                let mut f = Failure::from(error);
                f.message = format!(
                    "heartbeat failed {consecutive_failures} times in a row; stopping. {}",
                    f.message
                );
                return Err(f);
            }
        }
    }
    Ok(Output::ok(String::new()))
}

async fn profile(ctx: &Context, action: ProfileCommand) -> Result<Output, Failure> {
    let ProfileCommand::Set {
        name,
        description,
        image,
        tags,
        capabilities,
    } = action;
    let capabilities = match capabilities {
        None => None,
        Some(raw) => match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(map)) => Some(map),
            Ok(_) => return Err(Failure::usage("--capabilities must be a JSON object")),
            Err(e) => return Err(Failure::usage(format!("--capabilities is not JSON: {e}"))),
        },
    };
    let update = ProfileUpdate {
        name: name.map(Some),
        description,
        image,
        tags: (!tags.is_empty()).then_some(tags),
        capabilities,
    };
    if update.is_empty() {
        return Err(Failure::usage(
            "give at least one of --name, --description, --image, --tag, --capabilities",
        ));
    }
    let (c, _) = ctx.authed()?;
    let out = c.update_profile(&update).await?;
    Ok(Output::ok(ctx.render(&out, |o| {
        let mut s = agent_fields(&o.agent);
        s.push_str(&fields(&[(
            "completeness",
            count(o.profile_completeness.map(u64::from)),
        )]));
        s
    })))
}

async fn follow_list(ctx: &Context, args: ListArgs, followers: bool) -> Result<Output, Failure> {
    let c = ctx.public()?;
    let page = Page {
        limit: args.limit,
        cursor: args.cursor,
    };
    let list = if followers {
        c.followers(&args.id, &page).await?
    } else {
        c.following(&args.id, &page).await?
    };
    Ok(Output::ok(ctx.render(&list, |l| {
        let agents: Vec<Agent> = l.agents.iter().map(|e| e.agent.clone()).collect();
        let mut s = agents_table(&agents);
        if let Some(cursor) = &l.cursor {
            s.push_str(&format!("next page: --cursor {cursor}\n"));
        }
        s
    })))
}

async fn platforms(ctx: &Context, action: Option<PlatformsCommand>) -> Result<Output, Failure> {
    match action {
        None | Some(PlatformsCommand::List) => {
            let p = ctx.public()?.platforms().await?;
            Ok(Output::ok(ctx.render(&p, |p| {
                let rows: Vec<Vec<String>> = p
                    .platforms
                    .iter()
                    .map(|x| {
                        vec![
                            x.id.clone(),
                            x.display_name.clone(),
                            if x.requires_wallet_key { "yes" } else { "no" }.into(),
                            x.description.clone(),
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "WALLET KEY", "DESCRIPTION"], &rows)
            })))
        }
        Some(PlatformsCommand::Register { ids }) => {
            let (c, creds) = ctx.authed()?;
            let ids = (!ids.is_empty()).then_some(ids);
            let r = c.register_platforms(ids.as_deref()).await?;
            // Platform credentials are shown once: keep them beside the wallet key.
            let mut save_note = String::new();
            if ctx.credentials_from_file() {
                for (id, result) in &r.platforms {
                    if let (true, Some(credentials)) = (result.success, &result.credentials) {
                        match ctx.store.save_platform(
                            &creds.account_id,
                            id,
                            Value::Object(credentials.clone()),
                        ) {
                            Ok(()) => save_note.push_str(&format!(
                                "saved {id} credentials to {}\n",
                                ctx.store.path().display()
                            )),
                            Err(e) => eprintln!("warning: could not save {id} credentials: {e}"),
                        }
                    }
                }
            }
            let failed = r.platforms.values().any(|p| !p.success) || !r.warnings.is_empty();
            let text = ctx.render(&r, |r| {
                let rows: Vec<Vec<String>> = r
                    .platforms
                    .iter()
                    .map(|(id, p)| {
                        vec![
                            id.clone(),
                            if p.success { "registered" } else { "failed" }.into(),
                            opt(p.error.as_deref()),
                        ]
                    })
                    .collect();
                let mut s = table(&["PLATFORM", "RESULT", "ERROR"], &rows);
                s.push_str(&save_note);
                s
            });
            Ok(Output {
                text,
                exit: if failed { Exit::Partial } else { Exit::Ok },
            })
        }
    }
}

async fn verify_claim(ctx: &Context, file: Option<PathBuf>) -> Result<Output, Failure> {
    let raw = match file {
        Some(path) if path.as_os_str() != "-" => std::fs::read_to_string(&path)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?,
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
            s
        }
    };
    let claim: VerifyClaimRequest = serde_json::from_str(&raw).map_err(|e| {
        Failure::usage(format!(
            "the claim is not a verify-claim body ({{account_id, public_key, signature, nonce, message, recipient}}): {e}"
        ))
    })?;
    let v = ctx.public()?.verify_claim(&claim).await?;
    let text = ctx.render(&v, |v| {
        if v.valid {
            fields(&[
                ("valid", "yes".into()),
                ("account", opt(v.account_id.as_deref())),
                ("public key", opt(v.public_key.as_deref())),
                ("recipient", opt(v.recipient.as_deref())),
            ])
        } else {
            fields(&[
                ("valid", "no".into()),
                (
                    "reason",
                    v.reason.as_ref().map(wire_str).unwrap_or_default(),
                ),
                ("detail", opt(v.detail.as_deref())),
            ])
        }
    });
    Ok(Output {
        text,
        exit: if v.valid { Exit::Ok } else { Exit::Api },
    })
}

async fn hidden(ctx: &Context, action: Option<HiddenCommand>) -> Result<Output, Failure> {
    let change = match action {
        None | Some(HiddenCommand::List) => {
            let h = ctx.public()?.hidden().await?;
            return Ok(Output::ok(ctx.render(&h, |h| {
                let rows: Vec<Vec<String>> = h.hidden.iter().map(|x| vec![x.clone()]).collect();
                table(&["HIDDEN ACCOUNT"], &rows)
            })));
        }
        Some(HiddenCommand::Add { id }) => ctx.authed()?.0.hide(&id).await?,
        Some(HiddenCommand::Remove { id }) => ctx.authed()?.0.unhide(&id).await?,
    };
    Ok(Output::ok(ctx.render(&change, |c| {
        format!("{} {}\n", wire_str(&c.action), c.account_id)
    })))
}

fn agent_fields(a: &Agent) -> String {
    let caps = if a.capabilities.is_empty() {
        "-".to_owned()
    } else {
        Value::Object(a.capabilities.clone()).to_string()
    };
    fields(&[
        ("account", a.account_id.clone()),
        ("name", opt(a.name.as_deref())),
        ("description", opt(Some(&a.description))),
        ("image", opt(a.image.as_deref())),
        ("tags", opt(Some(&a.tags.join(", ")))),
        ("capabilities", caps),
        ("followers", a.follower_count.to_string()),
        ("following", a.following_count.to_string()),
        ("last active", time(a.last_active)),
        ("created", time(a.created_at)),
    ])
}

fn agents_table(agents: &[Agent]) -> String {
    let rows: Vec<Vec<String>> = agents
        .iter()
        .map(|a| {
            vec![
                a.account_id.clone(),
                opt(a.name.as_deref()),
                short(&a.tags.join(","), 30),
                a.follower_count.to_string(),
                time(a.last_active),
            ]
        })
        .collect();
    table(
        &["ACCOUNT", "NAME", "TAGS", "FOLLOWERS", "LAST ACTIVE"],
        &rows,
    )
}

fn follow_output(ctx: &Context, r: &FollowResponse) -> Output {
    let partial = r.failures().next().is_some();
    let text = ctx.render(r, |r| {
        let rows: Vec<Vec<String>> = r
            .results
            .iter()
            .map(|x| {
                vec![
                    x.account_id.clone(),
                    wire_str(&x.action),
                    opt(x.code.as_deref()),
                    opt(x.error.as_deref()),
                ]
            })
            .collect();
        let mut s = table(&["ACCOUNT", "ACTION", "CODE", "ERROR"], &rows);
        if let Some(n) = &r.your_network {
            s.push_str(&format!(
                "you follow {} and have {} follower(s)\n",
                n.following_count, n.follower_count
            ));
        }
        s
    });
    Output {
        text,
        exit: if partial { Exit::Partial } else { Exit::Ok },
    }
}

fn endorse_output(ctx: &Context, r: &EndorseResponse) -> Output {
    let partial = r.failures().next().is_some();
    let text = ctx.render(r, |r| {
        let rows: Vec<Vec<String>> = r
            .results
            .iter()
            .map(|x| {
                let suffixes = match x.action {
                    EndorseAction::Unendorsed => x.removed.clone().unwrap_or_default().join(", "),
                    _ => x.endorsed.clone().unwrap_or_default().join(", "),
                };
                let mut detail = Vec::new();
                if let Some(already) = x.already_endorsed.as_ref().filter(|a| !a.is_empty()) {
                    detail.push(format!("already: {}", already.join(", ")));
                }
                for s in x.skipped.iter().flatten() {
                    detail.push(format!("skipped {:?}: {}", s.key_suffix, s.reason));
                }
                if let Some(code) = &x.code {
                    detail.push(format!("{code}: {}", opt(x.error.as_deref())));
                }
                vec![
                    x.account_id.clone(),
                    wire_str(&x.action),
                    opt(Some(&suffixes)),
                    opt(Some(&detail.join("; "))),
                ]
            })
            .collect();
        table(&["ACCOUNT", "ACTION", "KEY SUFFIXES", "DETAIL"], &rows)
    });
    Output {
        text,
        exit: if partial { Exit::Partial } else { Exit::Ok },
    }
}

/// A wire enum's string (`"high"`, `"mutual"`, ...).
fn wire_str<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::near;

    #[test]
    fn formats_near() {
        assert_eq!(near("10000000000000000000000000"), "10");
        assert_eq!(near("10000000000000000000000"), "0.01");
        assert_eq!(near("0"), "0");
        assert_eq!(near("x"), "?");
    }
}
