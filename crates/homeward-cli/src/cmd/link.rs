//! `homeward link`: being written.

/// Arguments of `homeward link`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `homeward link`.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("homeward link is not available yet")
}
