//! Prepares GOV.UK Frontend (from the pinned npm package in the workspace's `node_modules`) for
//! embedding: the stylesheet without the GDS Transport font, which is reserved for GOV.UK — the
//! styles fall back to Arial — and the script. Fails with a clear message if `npm ci` has not run.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../node_modules/govuk-frontend/dist/govuk");
    let css_path = dist.join("govuk-frontend.min.css");
    println!("cargo:rerun-if-changed={}", css_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    let Ok(css) = std::fs::read_to_string(&css_path) else {
        eprintln!(
            "GOV.UK Frontend is missing at {}.\nRun `npm ci` in the repository root first (the README's commands do this).",
            dist.display()
        );
        std::process::exit(1);
    };
    let css = strip_font_faces(&css)
        .replace("\"GDS Transport\",", "")
        .replace("GDS Transport,", "");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let write = |name: &str, bytes: &[u8]| {
        if let Err(e) = std::fs::write(out.join(name), bytes) {
            eprintln!("cannot write {name}: {e}");
            std::process::exit(1);
        }
    };
    write("govuk-frontend.min.css", css.as_bytes());
    match std::fs::read(dist.join("govuk-frontend.min.js")) {
        Ok(js) => write("govuk-frontend.min.js", &js),
        Err(e) => {
            eprintln!("cannot read govuk-frontend.min.js: {e}");
            std::process::exit(1);
        }
    }
}

/// Removes every `@font-face{…}` rule.
fn strip_font_faces(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("@font-face") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
