//! `bolwerk demo`: a ready-to-click site on localhost.

use anyhow::Result;
use server::Listeners;
use server::config::Config;

use crate::cli::DemoArgs;

/// Where the demo keeps its data unless told otherwise.
pub const DEFAULT_DATA_DIR: &str = "bolwerk-data";
const HTTP: &str = "127.0.0.1:8080";
const HTTPS: &str = "127.0.0.1:8443";

/// The demo's config before `--config` and flags (see `server::app::demo_config`).
fn defaults(args: &DemoArgs) -> Result<Config> {
    server::app::demo_config(&args.data_dir, HTTP.parse()?, HTTPS.parse()?)
}

/// Builds the demo config, seeds the demo content once, serves until Ctrl-C.
pub fn run(args: DemoArgs) -> Result<std::process::ExitCode> {
    let mut config = defaults(&args)?;
    if let Some(file) = &args.config {
        config = Config::load_over(Some(&config), file)?;
    }
    if let Some(a) = args.http {
        config.server.http = Some(a);
    }
    if let Some(a) = args.https {
        config.server.https = Some(a);
    }
    if let Some(f) = args.log_format {
        config.log.format = f;
    }
    config.validate(
        args.config
            .as_deref()
            .unwrap_or(std::path::Path::new("(demo defaults)")),
    )?;
    crate::logging::init(&config.log)?;
    crate::runtime(config.server.workers)?.block_on(async move {
        let listeners = Listeners::bind(&config).await?;
        let prepared = server::prepare(config).await?;
        if let Some(site) = prepared.store.editor.site_by_name(cms::demo::SITE).await?
            && cms::demo::seed(&prepared.store.editor, site.id).await?
        {
            tracing::info!("demo content created");
        }
        let first_admin = create_first_admin(&prepared.store).await?;
        crate::serve_prepared(prepared, listeners, first_admin).await
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// On the demo's first run (no accounts yet) creates `admin` with a random one-time password
/// that must be changed at the first sign-in. Returns it so it can be shown, once.
async fn create_first_admin(store: &store::Store) -> Result<Option<(String, String)>> {
    if store.editor.user_count().await? > 0 {
        return Ok(None);
    }
    let password = auth::password::generate();
    let hash = auth::password::hash(&password)?;
    store
        .editor
        .create_user("admin", store::Role::Admin, &hash, true)
        .await?;
    store
        .recorder
        .audit("demo", None, "user.add", "admin (admin, one-time password)")
        .await?;
    Ok(Some(("admin".into(), password)))
}
