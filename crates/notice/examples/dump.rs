//! Prints a notice file as JSON or as a tree (what `rectify notice parse` will do):
//! `cargo run -p rectify-notice --example dump -- FILE [json|tree]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: dump FILE [json|tree]");
        std::process::exit(2);
    };
    let format = args.next().unwrap_or_else(|| "tree".into());
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    match rectify_notice::parse_bytes(&bytes, Some(&path)) {
        Ok(n) if format == "json" => match serde_json::to_string_pretty(&n) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        },
        Ok(n) => print!("{}", rectify_notice::render_tree(&n)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
