//! The `outpaint` binary: exact JSON, written files, one-line coded errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use outpaint_core::{decode, Limits};
use serde_json::Value;

fn outpaint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outpaint"))
        .args(args)
        .output()
        .expect("runs")
}

fn photo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../images/lake.jpg")
}

fn stderr_line(o: &Output) -> String {
    let s = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(s.lines().count(), 1, "one line on stderr: {s:?}");
    s.trim_end().to_string()
}

#[test]
fn expand_prints_exact_json() {
    let o = outpaint(&[
        "expand", "--width", "1024", "--height", "1024", "--target", "16:9",
    ]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "{\"left\":398,\"right\":398,\"top\":0,\"bottom\":0,\"newWidth\":1820,\"newHeight\":1024}\n"
    );
    let o = outpaint(&[
        "expand", "--width", "1920", "--height", "1080", "--target", "9:16", "--anchor", "top",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "{\"left\":0,\"right\":0,\"top\":0,\"bottom\":2333,\"newWidth\":1920,\"newHeight\":3413}\n"
    );
}

#[test]
fn errors_are_one_line_with_the_code() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "expand", "--width", "0", "--height", "5", "--target", "16:9",
            ],
            "INVALID_DIMENSIONS",
        ),
        (
            &[
                "expand", "--width", "-3", "--height", "5", "--target", "16:9",
            ],
            "INVALID_DIMENSIONS",
        ),
        (
            &[
                "expand", "--width", "abc", "--height", "5", "--target", "16:9",
            ],
            "INVALID_DIMENSIONS",
        ),
        (
            &[
                "expand", "--width", "5", "--height", "5", "--target", "wide",
            ],
            "INVALID_TARGET",
        ),
        (
            &[
                "expand", "--width", "5", "--height", "5", "--target", "16:9", "--anchor", "up",
            ],
            "INVALID_OPTION",
        ),
        (
            &[
                "expand", "--width", "20000", "--height", "5", "--target", "16:9",
            ],
            "IMAGE_TOO_LARGE",
        ),
        (&["expand", "--width", "5"], "INVALID_OPTION"),
        (&["frobnicate"], "INVALID_OPTION"),
    ];
    for (args, code) in cases {
        let o = outpaint(args);
        assert!(!o.status.success(), "{args:?}");
        let line = stderr_line(&o);
        assert!(
            line.starts_with(&format!("error: {code}: ")),
            "{args:?}: {line}"
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn image_errors_have_codes() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"definitely not a png").unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let o = outpaint(&[
        "prepare",
        junk.to_str().unwrap(),
        "--target",
        "16:9",
        "--out",
        out,
    ]);
    assert!(stderr_line(&o).starts_with("error: UNSUPPORTED_FORMAT: "));
    let photo = photo();
    let bytes = std::fs::read(&photo).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() / 4]).unwrap();
    let o = outpaint(&[
        "run",
        cut.to_str().unwrap(),
        "--target",
        "16:9",
        "--out",
        out,
    ]);
    assert!(
        stderr_line(&o).starts_with("error: CORRUPT_IMAGE: "),
        "{o:?}"
    );
    let p = photo.to_str().unwrap();
    for (flag, value, code) in [
        ("--fill", "smear", "INVALID_OPTION"),
        ("--feather", "-1", "INVALID_OPTION"),
        ("--profile", "dalle", "INVALID_OPTION"),
        ("--curve", "wiggly", "INVALID_OPTION"),
        ("--mask", "grey", "INVALID_OPTION"),
        ("--anchor", "middle", "INVALID_OPTION"),
    ] {
        let o = outpaint(&["prepare", p, "--target", "16:9", flag, value, "--out", out]);
        assert!(
            stderr_line(&o).starts_with(&format!("error: {code}: ")),
            "{flag} {value}"
        );
    }
    let o = outpaint(&["prepare", p, "--target", "0:1", "--out", out]);
    assert!(stderr_line(&o).starts_with("error: INVALID_TARGET: "));
    let o = outpaint(&[
        "prepare",
        "/nonexistent/x.png",
        "--target",
        "16:9",
        "--out",
        out,
    ]);
    assert!(stderr_line(&o).starts_with("error: STORAGE_ERROR: "));
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn prepare_writes_canvas_mask_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    let o = outpaint(&[
        "prepare",
        photo().to_str().unwrap(),
        "--target",
        "16:9",
        "--fill",
        "edge",
        "--feather",
        "500",
        "--overlap",
        "4",
        "--profile",
        "flux-fill",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let canvas = decode(
        &std::fs::read(out.join("canvas.png")).unwrap(),
        &Limits::default(),
    )
    .unwrap();
    let mask = decode(
        &std::fs::read(out.join("mask.png")).unwrap(),
        &Limits::default(),
    )
    .unwrap();
    // 768x768 -> 1365x768 -> flux-fill pads to 1376x768.
    assert_eq!((canvas.width(), canvas.height()), (1376, 768));
    assert_eq!((mask.width(), mask.height()), (1376, 768));
    let plan = read_json(&out.join("plan.json"));
    assert_eq!(plan["target"], "16:9");
    assert_eq!(plan["anchor"], "center");
    assert_eq!(plan["profile"], "flux-fill");
    assert_eq!(plan["fill"], "edge");
    assert_eq!(plan["mask"], "feathered");
    assert_eq!(plan["expansion"]["newWidth"], 1365);
    assert_eq!(plan["fit"]["size"]["width"], 1376);
    assert_eq!(plan["fit"]["padding"]["left"], 5);
    assert_eq!(plan["fit"]["padding"]["right"], 6);
    assert_eq!(plan["feather"]["requested"], 500);
    assert_eq!(plan["feather"]["effective"], 380);
    assert_eq!(plan["overlap"]["effective"], 4);
    assert_eq!(plan["source"]["format"], "jpeg");
    // Edge fill: the canvas's first column repeats the original's first column.
    let left = plan["fit"]["image"]["x"].as_u64().unwrap() as u32;
    assert_eq!(canvas.pixel(0, 300), canvas.pixel(left, 300));
}

#[test]
fn run_writes_a_full_resolution_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    let o = outpaint(&[
        "run",
        photo().to_str().unwrap(),
        "--target",
        "9:16",
        "--anchor",
        "bottom",
        "--fill",
        "blur",
        "--feather",
        "16",
        "--profile",
        "openai",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        r#"{"canvas":"canvas.png","mask":"mask.png","result":"result.png"}"#
    );
    let src = decode(&std::fs::read(photo()).unwrap(), &Limits::default()).unwrap();
    let result = decode(
        &std::fs::read(out.join("result.png")).unwrap(),
        &Limits::default(),
    )
    .unwrap();
    // 768x768 -> 9:16 anchored at the bottom: 768x1365 with the original at the bottom.
    assert_eq!((result.width(), result.height()), (768, 1365));
    // The local provider says why the feather changes nothing in its result.
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert!(plan["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("the local provider keeps the original exactly"));
    // Outside the 16 px band at its top edge the original is byte-identical.
    for (x, y) in [(0, 16), (400, 400), (767, 767), (10, 700)] {
        assert_eq!(result.pixel(x, 597 + y), src.pixel(x, y));
    }
    // The openai (gpt-image-2) canvas: 768x1365 padded to multiples of 16, transparent
    // where the model may paint.
    let canvas = decode(
        &std::fs::read(out.join("canvas.png")).unwrap(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!((canvas.width(), canvas.height()), (768, 1376));
    assert_eq!(canvas.pixel(384, 20)[3], 0);
}

fn json_out(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn session_flow_on_a_folder_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let photo = photo();
    let new = json_out(&outpaint(&[
        "session",
        "new",
        "--prompt",
        "a lake",
        "--models",
        "flux,recraft",
        "--image",
        photo.to_str().unwrap(),
        "--store",
        store,
    ]));
    let id = new["session"]["sessionId"].as_str().unwrap().to_string();
    assert_eq!(new["session"]["status"], "completed");
    assert_eq!(new["session"]["models"]["flux"]["iterationCount"], 1);
    assert_eq!(new["session"]["models"]["gemini"]["enabled"], false);
    let it = json_out(&outpaint(&[
        "session", "iterate", &id, "--model", "flux", "--prompt", "warmer", "--store", store,
    ]));
    assert_eq!(it["iterationIndex"], 1);
    let op = json_out(&outpaint(&[
        "session", "outpaint", &id, "--model", "recraft", "--preset", "16:9", "--index", "0",
        "--store", store,
    ]));
    assert_eq!(op["iterationIndex"], 1);
    let its = &op["session"]["models"]["recraft"]["iterations"];
    assert_eq!(its[1]["isOutpaint"], true);
    assert_eq!(its[1]["outpaintPreset"], "16:9");
    // The folder layout of the SPEC.
    let base = dir.path().join("store/sessions").join(&id);
    assert!(base.join("status.json").is_file());
    assert!(base.join("context/flux.json").is_file());
    let result = base.join("images/recraft-1.png");
    let img = decode(&std::fs::read(&result).unwrap(), &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (1365, 768));
    let st = json_out(&outpaint(&["session", "status", &id, "--store", store]));
    assert_eq!(st["session"]["version"], 2 + 2 + 2);
    let g = json_out(&outpaint(&["session", "gallery", "--store", store]));
    assert_eq!(g["gallery"][0]["sessionId"], id.as_str());
    assert_eq!(g["gallery"][0]["totalIterations"], 4);
    for (args, code) in [
        (
            vec!["session", "status", "nope", "--store", store],
            "INVALID_SESSION_ID",
        ),
        (
            vec![
                "session",
                "status",
                "6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b",
                "--store",
                store,
            ],
            "SESSION_NOT_FOUND",
        ),
        (
            vec![
                "session", "iterate", &id, "--model", "gemini", "--prompt", "p", "--store", store,
            ],
            "MODEL_DISABLED",
        ),
        (
            vec![
                "session", "iterate", &id, "--model", "dalle", "--prompt", "p", "--store", store,
            ],
            "MODEL_NOT_FOUND",
        ),
        (
            vec![
                "session", "iterate", &id, "--model", "flux", "--prompt", " ", "--store", store,
            ],
            "PROMPT_REQUIRED",
        ),
        (
            vec![
                "session",
                "new",
                "--prompt",
                "p",
                "--models",
                "flux",
                "--image",
                "/nonexistent.png",
                "--store",
                store,
            ],
            "STORAGE_ERROR",
        ),
    ] {
        let o = outpaint(&args);
        assert!(
            stderr_line(&o).starts_with(&format!("error: {code}: ")),
            "{args:?}"
        );
    }
}
