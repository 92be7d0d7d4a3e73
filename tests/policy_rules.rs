//! The policy rules ui/js/model.js repeats (dirty check, draft for save, system group ids), fed
//! the cases of tests/fixtures/policy_rules.json, which tests/ui/rules.test.mjs feeds to the JS
//! side: both must give the same answers. (The fixture's `rebase` cases are the UI's alone: the
//! core has no rebase, a save is checked against the live policy instead.)

use docspace_tfa::policy::system_groups::SYSTEM_GROUPS;
use docspace_tfa::policy::Policy;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cases {
    dirty: Vec<DirtyCase>,
    draft_for_save: Vec<StoredCase>,
    system_groups: Vec<uuid::Uuid>,
}

#[derive(Deserialize)]
struct DirtyCase {
    name: String,
    base: Policy,
    draft: Policy,
    dirty: bool,
}

#[derive(Deserialize)]
struct StoredCase {
    name: String,
    draft: Policy,
    stored: Policy,
}

fn cases() -> Cases {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/policy_rules.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the shared cases parse")
}

#[test]
fn dirty_is_not_same_as_for_every_shared_case() {
    for c in cases().dirty {
        assert_eq!(!c.base.same_as(&c.draft), c.dirty, "{}", c.name);
    }
}

#[test]
fn draft_for_save_is_as_stored_for_every_shared_case() {
    for c in cases().draft_for_save {
        assert_eq!(c.draft.as_stored(), c.stored, "{}", c.name);
    }
}

#[test]
fn the_system_group_ids_are_the_shared_ones() {
    let mut ours: Vec<_> = SYSTEM_GROUPS.iter().map(|(id, _)| *id).collect();
    let mut shared = cases().system_groups;
    ours.sort();
    shared.sort();
    assert_eq!(ours, shared);
}
