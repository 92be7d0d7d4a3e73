//! Several processes write the same history and profile files at once: none loses an entry.
//!
//! No libtest harness (`harness = false` in Cargo.toml): `main` runs as the test, and re-runs
//! this same binary as the writer processes (`SHARED_FILES_CHILD` set), so the writers are real
//! processes taking the real file locks, like the CLI and the app side by side.

use docspace_tfa::docspace::PortalUrl;
use docspace_tfa::history::HistoryStore;
use docspace_tfa::policy::Policy;
use docspace_tfa::profiles::ProfileStore;
use std::path::Path;
use std::process::Command;

const WRITERS: usize = 6;
const ENTRIES_EACH: usize = 15;
const PORTAL: &str = "https://shared.example.com";

fn main() {
    match std::env::var("SHARED_FILES_CHILD") {
        Ok(n) => child(&std::env::var("SHARED_FILES_DIR").unwrap(), &n),
        Err(_) => parent(),
    }
}

fn stores(dir: &Path) -> (HistoryStore, ProfileStore) {
    (
        HistoryStore::in_dir(&dir.join("history")),
        ProfileStore::in_dir(dir),
    )
}

fn child(dir: &str, n: &str) {
    let (history, profiles) = stores(Path::new(dir));
    for i in 0..ENTRIES_EACH {
        history
            .record(
                PORTAL,
                &format!("writer {n}"),
                &Policy::disabled(),
                &Policy::disabled(),
                Some(format!("{n}/{i}")),
            )
            .expect("history write");
        let portal = PortalUrl::parse(&format!("https://w{n}-{i}.example.com")).unwrap();
        profiles.remember(&portal, None).expect("profile write");
    }
}

fn parent() {
    print!("test several_processes_writing_at_once_lose_nothing ... ");
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WRITERS)
        .map(|n| {
            Command::new(&exe)
                .env("SHARED_FILES_CHILD", n.to_string())
                .env("SHARED_FILES_DIR", dir.path())
                .spawn()
                .expect("a writer process starts")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    let (history, profiles) = stores(dir.path());
    let entries = history.list(PORTAL).unwrap();
    assert_eq!(
        entries.len(),
        WRITERS * ENTRIES_EACH,
        "history entries were lost"
    );
    let numbers: Vec<usize> = entries.iter().map(|e| e.number).collect();
    assert_eq!(
        numbers,
        (1..=WRITERS * ENTRIES_EACH).collect::<Vec<_>>(),
        "each entry has its own number"
    );
    for n in 0..WRITERS {
        for i in 0..ENTRIES_EACH {
            let note = format!("{n}/{i}");
            assert!(
                entries.iter().any(|e| e.note.as_deref() == Some(&note)),
                "entry {note} was lost"
            );
        }
    }
    let saved = profiles.load().unwrap();
    assert_eq!(
        saved.profiles.len(),
        WRITERS * ENTRIES_EACH,
        "saved portals were lost"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("history"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".json") && !n.ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    println!("ok");
}
