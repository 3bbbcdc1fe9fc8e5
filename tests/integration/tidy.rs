//! Keeps the architecture invariants of ARCHITECTURE.md true.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_domain_depends_on_neither_sqlx_nor_axum_nor_tokio_io() {
    let manifest = std::fs::read_to_string(workspace_root().join("domain/Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for forbidden in [
        "sqlx",
        "axum",
        "tokio",
        "postgres-es",
        "sqlite-es",
        "reqwest",
    ] {
        assert!(
            !dependencies
                .lines()
                .any(|l| l.trim_start().starts_with(forbidden)),
            "domain/Cargo.toml must not depend on {forbidden}"
        );
    }
}

#[test]
fn the_api_contains_no_sql() {
    let root = workspace_root().join("api/src");
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in [
            "sqlx::",
            "SELECT ",
            "INSERT INTO",
            "UPDATE events",
            "DELETE FROM",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains `{needle}`: SQL belongs in projections/src/store",
                file.display()
            );
        }
    }
}

#[test]
fn sql_lives_only_in_the_backend_modules_of_projections() {
    let root = workspace_root().join("projections/src");
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        let is_backend = file.ends_with("store/sqlite.rs") || file.ends_with("store/postgres.rs");
        if !is_backend {
            assert!(
                !text.contains("sqlx::query"),
                "{} runs SQL: keep SQL in store/sqlite.rs and store/postgres.rs",
                file.display()
            );
        }
    }
}

#[test]
fn every_module_says_what_it_is_for() {
    let root = workspace_root();
    for krate in ["domain/src", "projections/src", "api/src"] {
        for file in rust_files(&root.join(krate)) {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.trim_start().starts_with("//!"),
                "{} must start with a `//!` line saying what it is for",
                file.display()
            );
        }
    }
}
