//! `homeward estimate`: being written.

/// Arguments of `homeward estimate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `homeward estimate`.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("homeward estimate is not available yet")
}
