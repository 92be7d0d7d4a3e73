//! Nothing in the repository points outside it: no file cites a path of the development
//! machine (notes, shared research), which a reader of a clone cannot open.

use std::path::Path;

/// Path prefixes of the machine the project was developed on.
const OUTSIDE: &[&str] = &["/work/shared/", "/work/notes/", "/work/main/", "/work/wt/"];

fn scan(dir: &Path, hits: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // `.git` is a file in a git worktree, a folder otherwise: not the project's text either way.
        if matches!(name.as_str(), ".git" | "target" | "node_modules" | "gen") {
            continue;
        }
        if path.is_dir() {
            scan(&path, hits);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary files (icons, screenshots)
        };
        for needle in OUTSIDE {
            if text.contains(needle) && !path.ends_with(file!()) {
                hits.push(format!("{} cites {needle}", path.display()));
            }
        }
    }
}

#[test]
fn no_file_cites_a_path_outside_the_repository() {
    let mut hits = Vec::new();
    scan(Path::new(env!("CARGO_MANIFEST_DIR")), &mut hits);
    assert!(hits.is_empty(), "say the fact instead: {hits:#?}");
}
