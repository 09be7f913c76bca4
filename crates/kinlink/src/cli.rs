//! The command line.

use crate::config::{ConfigError, FileConfig, parse_listen};
use crate::{demo, serve};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kinlink_domain::account::{Email, check_display_name, check_new_password};
use kinlink_domain::audit::{AuditKey, ChainHead};
use kinlink_domain::policy::{Action, Permit};
use kinlink_domain::secret::Secret;
use kinlink_domain::{Role, SystemClock};
use kinlink_store::{DatabaseKind, NewUser, Store, StoreError, StoreOptions, Who};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "kinlink", version, about = "Kinlink: the adoption register and adoption records service.", long_about = None)]
pub struct Cli {
    /// A TOML configuration file (see the README's configuration reference).
    #[arg(long, global = true, env = "KINLINK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the data lives: sqlite://PATH or postgres://USER@HOST/DB.
    /// Default: sqlite://<data dir>/kinlink.db.
    #[arg(
        long,
        global = true,
        env = "KINLINK_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Folder for the SQLite database, the generated audit and documents keys, outgoing mail
    /// (`outbox/`, when no SMTP server is set) and documents (`documents/`). Default: data.
    #[arg(long, global = true, env = "KINLINK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log lines as human-readable text or as JSON for log collectors.
    #[arg(long, global = true, env = "KINLINK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (applying pending migrations first). With PostgreSQL, every instance
    /// needs the same audit key in KINLINK_AUDIT_KEY.
    Serve(ServeArgs),
    /// Apply the database migrations embedded in this binary.
    Migrate,
    /// Create (or reuse) a demo database with demo agencies, users, children, families, links and
    /// records requests (synthetic), print the sign-ins, and serve.
    Demo(DemoArgs),
    /// Manage agencies (e.g. the register's own team, on a new database).
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Simulate a year of the register on synthetic data under three ways of bringing children
    /// and families together (adopters browsing alone, ranked suggestions, spread
    /// recommendations) and report matches and waiting times: a table here, and
    /// simulation.csv and simulation.svg in the output folder. Touches no database.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The synthetic register to start from: "demo" (a couple of dozen children) or "england"
    /// (about 2,940 children and 1,420 families). Children and families also join during the
    /// period, at about 70% of the register's size a year.
    #[arg(long, default_value = "england", value_name = "NAME")]
    pub dataset: String,
    /// How many days to simulate (30 to 3650).
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// The seed for the synthetic data and the model's chances: the same seed, the same result.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write simulation.csv and simulation.svg.
    #[arg(long, default_value = "simulation", value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one). Default: 127.0.0.1:8080.
    #[arg(long, env = "KINLINK_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Which synthetic data set to load into a new demo database: "demo" (a couple of dozen
    /// children and a dozen families) or "england" (national scale: about 2,940 children and
    /// 1,420 families, in one regional agency per region).
    #[arg(long, default_value = "demo", value_name = "NAME")]
    pub dataset: String,
}

#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Add an agency.
    Add(AgencyAddArgs),
}

#[derive(Debug, Args)]
pub struct AgencyAddArgs {
    #[arg(long)]
    pub name: String,
    /// local_authority, regional_adoption_agency, voluntary_adoption_agency or register.
    #[arg(long)]
    pub kind: String,
    /// The region it works in, e.g. "North West".
    #[arg(long)]
    pub region: String,
    /// Staff must use an authenticator app to sign in.
    #[arg(long)]
    pub mfa_required: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input with --password-stdin, otherwise
    /// generated and printed once.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// register_admin, agency_admin, team_manager, social_worker, family_finder, business_support or adopter.
    #[arg(long)]
    pub role: String,
    /// The agency's name or number.
    #[arg(long)]
    pub agency: String,
    /// For adopters: the household's number.
    #[arg(long)]
    pub household: Option<i64>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole audit chain: exit 0 if intact, 1 naming the first bad entry.
    Verify(VerifyArgs),
    /// Print the chain's head as SEQ:HASH, to record outside Kinlink (e.g. daily, in another
    /// system) and check later with `audit verify --expect-head`.
    Head,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A head printed earlier by `kinlink audit head`: the chain must still contain that entry
    /// unchanged. Catches newest entries removed together with a rewound head.
    #[arg(long, value_name = "SEQ:HASH")]
    pub expect_head: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Message(String),
}

/// Everything resolved from flags, environment, file and defaults.
pub struct Resolved {
    pub file: FileConfig,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
}

impl Resolved {
    fn new(cli: &Cli) -> Result<Self, CliError> {
        let file = FileConfig::load(cli.config.as_deref())?;
        let data_dir = cli
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = cli
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kinlink.db").display()));
        DatabaseKind::of(&database_url)?;
        let log_format = match (cli.log_format, file.log_format.as_deref()) {
            (Some(f), _) => f,
            (None, None | Some("text")) => LogFormat::Text,
            (None, Some("json")) => LogFormat::Json,
            (None, Some(other)) => {
                return Err(CliError::Message(format!(
                    "log_format must be \"text\" or \"json\", not \"{other}\""
                )));
            }
        };
        Ok(Self {
            file,
            database_url,
            data_dir,
            log_format,
        })
    }

    /// The audit chain's key: from configuration (`audit_key` / `KINLINK_AUDIT_KEY`), or for
    /// SQLite a key file made once in the data folder. PostgreSQL deployments run several
    /// instances, which must share one key, so there it must be configured.
    async fn audit_key(&self) -> Result<AuditKey, CliError> {
        if let Ok(key) = std::env::var("KINLINK_AUDIT_KEY")
            && !key.is_empty()
        {
            return Ok(AuditKey::new(Secret::new(key)));
        }
        if let Some(key) = &self.file.audit_key {
            return Ok(AuditKey::new(key.clone()));
        }
        match DatabaseKind::of(&self.database_url)? {
            DatabaseKind::Postgres => Err(CliError::Message(
                "set the audit key (audit_key in the configuration file, or KINLINK_AUDIT_KEY) when using PostgreSQL: every instance must share it".into(),
            )),
            DatabaseKind::Sqlite => Ok(AuditKey::new(Secret::new(self.key_file().await?))),
        }
    }

    /// The SQLite database's file, if the URL names one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// The generated key in the data folder. A new key is made only while the audit log is
    /// empty: a log signed with a lost key could never be verified again, so a missing key
    /// file beside a database with entries is an error, not a reason to start a new chain.
    async fn key_file(&self) -> Result<String, CliError> {
        let path = self.data_dir.join("audit.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Ok(text.trim().to_owned());
        }
        if let Some(db) = self.sqlite_path().filter(|p| p.exists()) {
            let probe = Store::connect(
                &self.database_url,
                &StoreOptions::default(),
                Arc::new(SystemClock),
                AuditKey::new(Secret::new("")),
            )
            .await?;
            let has_schema = !probe.schema_status().await?.applied.is_empty();
            let entries = if has_schema {
                probe.audit_head().await?.seq
            } else {
                0
            };
            probe.close().await;
            if entries > 0 {
                return Err(CliError::Message(format!(
                    "the audit key file {} is missing, but the audit log in {} has {entries} entries signed with it; restore the key file (or set KINLINK_AUDIT_KEY to the key)",
                    path.display(),
                    db.display()
                )));
            }
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::Message(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let key = kinlink_web::random_token().map_err(|e| CliError::Message(e.to_string()))?;
        write_private(&path, &key).map_err(|e| {
            CliError::Message(format!(
                "cannot write the audit key to {}: {e}",
                path.display()
            ))
        })?;
        Ok(key)
    }

    pub async fn store(&self) -> Result<Store, CliError> {
        if let Some(path) = self.database_url.strip_prefix("sqlite://").map(Path::new)
            && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::Message(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let options = StoreOptions {
            max_connections: self.file.database.max_connections.unwrap_or(10),
            acquire_timeout: Duration::from_secs(
                self.file.database.acquire_timeout_seconds.unwrap_or(5),
            ),
        };
        Ok(Store::connect(
            &self.database_url,
            &options,
            Arc::new(SystemClock),
            self.audit_key().await?,
        )
        .await?)
    }

    pub fn listen(&self, args: &ServeArgs) -> Result<std::net::SocketAddr, CliError> {
        let raw = args
            .listen
            .clone()
            .or_else(|| self.file.listen.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        Ok(parse_listen(&raw)?)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let resolved = Resolved::new(&cli)?;
    serve::init_logging(resolved.log_format);
    match &cli.command {
        Command::Serve(args) => {
            // Every setting is checked before the database is touched: a typo must not migrate.
            let listen = resolved.listen(args)?;
            let config = serve::web_config(&resolved, listen)?;
            let mailer = serve::mailer(&resolved)?;
            let documents = serve::documents(&resolved)?;
            let store = resolved.store().await?;
            migrate(&store).await?;
            serve::run(store, config, mailer, documents, listen, |bound| {
                println!("Kinlink is serving at http://{bound}/")
            })
            .await?;
        }
        Command::Migrate => {
            let store = resolved.store().await?;
            let applied = migrate(&store).await?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!("Applied migrations {applied:?}.");
            }
        }
        Command::Demo(args) => {
            let dataset = demo::dataset(&args.dataset)?;
            let listen = resolved.listen(&args.serve)?;
            let config = serve::web_config(&resolved, listen)?;
            let mailer = serve::mailer(&resolved)?;
            let documents = serve::documents(&resolved)?;
            let store = resolved.store().await?;
            migrate(&store).await?;
            let loaded = demo::load_if_empty(&store, dataset).await?;
            serve::run(store, config, mailer, documents, listen, |bound| {
                demo::print_logins(bound, loaded)
            })
            .await?;
        }
        Command::Agency(AgencyCommand::Add(args)) => {
            let store = resolved.store().await?;
            migrate(&store).await?;
            add_agency(&store, args).await?;
        }
        Command::User(UserCommand::Add(args)) => {
            let store = resolved.store().await?;
            migrate(&store).await?;
            add_user(&store, args).await?;
        }
        Command::Simulate(args) => crate::simulate::run(args)?,
        Command::Audit(AuditCommand::Head) => {
            let store = existing_store(&resolved).await?;
            println!("{}", store.audit_head().await?);
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            let anchor = match args.expect_head.as_deref() {
                Some(text) => Some(ChainHead::parse(text).ok_or_else(|| {
                    CliError::Message(
                        "--expect-head takes SEQ:HASH as `kinlink audit head` prints it".into(),
                    )
                })?),
                None => None,
            };
            let store = existing_store(&resolved).await?;
            return match store.verify_audit_chain_against(anchor).await? {
                Ok(n) => {
                    println!("Audit chain intact: {n} entries verified.");
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    println!("Audit chain BROKEN at entry {}: {broken}.", broken.seq());
                    Ok(ExitCode::from(1))
                }
            };
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The store of a database that must already exist and have Kinlink's schema: reading the
/// audit log must not create one.
async fn existing_store(resolved: &Resolved) -> Result<Store, CliError> {
    if let Some(path) = resolved.sqlite_path().filter(|p| !p.exists()) {
        return Err(CliError::Message(format!(
            "there is no database at {}",
            path.display()
        )));
    }
    let store = resolved.store().await?;
    if store.schema_status().await?.applied.is_empty() {
        return Err(CliError::Message(
            "this database has no Kinlink schema yet; run `kinlink migrate` first".into(),
        ));
    }
    Ok(store)
}

async fn migrate(store: &Store) -> Result<Vec<i64>, CliError> {
    let applied = store.migrate().await?;
    if !applied.is_empty() {
        tracing::info!(
            ?applied,
            backend = store.backend_name(),
            "applied migrations"
        );
    }
    Ok(applied)
}

async fn add_user(store: &Store, args: &UserAddArgs) -> Result<(), CliError> {
    let bad = |m: &str| CliError::Message(m.to_owned());
    let email = Email::parse(&args.email).map_err(|e| bad(e.0))?;
    let name = check_display_name(&args.name).map_err(|e| bad(e.0))?;
    let role: Role = args
        .role
        .parse()
        .map_err(|e: kinlink_domain::role::UnknownRole| bad(&e.to_string()))?;
    let agency = find_agency(store, &args.agency).await?;
    match (role, args.household) {
        (Role::Adopter, None) => {
            return Err(bad(
                "an adopter belongs to a household: give --household NUMBER",
            ));
        }
        (Role::Adopter, Some(h))
            if !store.households(agency.id).await?.iter().any(|x| x.id == h) =>
        {
            return Err(CliError::Message(format!(
                "household {h} is not in {}",
                agency.name
            )));
        }
        (r, Some(_)) if r != Role::Adopter => {
            return Err(bad(
                "only adopters belong to a household: leave out --household",
            ));
        }
        _ => {}
    }
    let (password, generated) = if args.password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Message(format!("cannot read the password: {e}")))?;
        let text = text.trim_end_matches(['\n', '\r']).to_owned();
        check_new_password(&text).map_err(|e| bad(e.0))?;
        (text, false)
    } else {
        (
            kinlink_web::generated_password().map_err(|e| CliError::Message(e.to_string()))?,
            true,
        )
    };
    let hash = kinlink_web::hash_password(password.clone())
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    let permit = Permit::for_operator(Action::CreateUser {
        agency: agency.id,
        agency_kind: agency.kind,
        role,
    });
    let new = NewUser {
        email: email.as_str().to_owned(),
        name,
        role,
        agency_id: agency.id,
        household_id: args.household,
        password_hash: hash,
        password_must_change: generated,
    };
    let user = match store.create_user(&permit, &Who::operator(), &new).await {
        Err(StoreError::Conflict(_)) => {
            return Err(CliError::Message(format!(
                "{} is already a Kinlink user",
                email.as_str()
            )));
        }
        other => other?,
    };
    println!(
        "Added {} ({}) to {} as {}.",
        user.name,
        user.email,
        agency.name,
        user.role.label()
    );
    if generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

async fn add_agency(store: &Store, args: &AgencyAddArgs) -> Result<(), CliError> {
    let kind: kinlink_domain::AgencyKind = args
        .kind
        .parse()
        .map_err(|e: kinlink_domain::role::UnknownAgencyKind| CliError::Message(e.to_string()))?;
    let (name, region) = (args.name.trim(), args.region.trim());
    if name.is_empty() || region.is_empty() {
        return Err(CliError::Message(
            "give the agency's --name and --region".into(),
        ));
    }
    let new = kinlink_store::NewAgency {
        name: name.to_owned(),
        kind,
        region: region.to_owned(),
        mfa_required: args.mfa_required,
    };
    let agency = match store
        .create_agency(
            &Permit::for_operator(Action::ManageAgencies),
            &Who::operator(),
            &new,
        )
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(CliError::Message(format!(
                "an agency called \"{name}\" already exists"
            )));
        }
        other => other?,
    };
    println!(
        "Added agency {} ({}), number {}.",
        agency.name,
        agency.kind.label(),
        agency.id
    );
    Ok(())
}

async fn find_agency(store: &Store, name_or_id: &str) -> Result<kinlink_store::Agency, CliError> {
    let agencies = store.agencies().await?;
    let wanted = name_or_id.trim();
    agencies
        .into_iter()
        .find(|a| a.id.to_string() == wanted || a.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| CliError::Message(format!("no agency called \"{wanted}\"")))
}
