//! `homeward names`: being written.

/// Arguments of `homeward names`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `homeward names`.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("homeward names is not available yet")
}
