//! The `rectify` binary: subcommands (noun first, then verb) wiring store, web and core.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
