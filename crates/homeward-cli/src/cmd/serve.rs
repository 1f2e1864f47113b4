//! `homeward serve`: the web interface and JSON API over the registry.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use homeward_store_sql::SqlStore;

use super::db::DbArgs;

/// Where `homeward serve` listens by default.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Arguments of `homeward serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on: loopback only (port 0 picks a free port); put a TLS proxy in
    /// front for other clients.
    #[arg(long, default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Clients reach the server over TLS through a proxy: session cookies are then `Secure`
    /// with the `__Host-` prefix.
    #[arg(long)]
    pub behind_tls: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward serve`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    serve(store, args.bind, args.behind_tls).await
}

/// Serves an open store on `bind` until Ctrl-C, printing the address once listening.
pub async fn serve(store: SqlStore, bind: SocketAddr, behind_tls: bool) -> anyhow::Result<()> {
    homeward_web::check_bind(&bind)?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    let store = Arc::new(store);
    let mut state = homeward_web::AppState::new(store.clone());
    if behind_tls {
        state = state.behind_tls();
    }
    println!(
        "Homeward is serving on http://{addr}/ (Ctrl-C to stop); sign in at http://{addr}/login"
    );
    let served = homeward_web::serve(listener, state).await;
    store.close().await;
    served?;
    Ok(())
}
