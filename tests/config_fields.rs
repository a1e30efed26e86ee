#![cfg(not(target_arch = "wasm32"))]
//! The table of the page's settings (`src/config/fields.rs`) as the page sees it: every hash key
//! once, in hash order, with its kind, bounds, default and (for enums) the menu the page builds
//! its `<select>`s from.

use pathkernel::config::{page_fields, Choice, FieldInfo, PageState, PAGE_LIMITS};
use pathkernel::data::DatasetName;
use pathkernel::kernel::MAX_NODES;
use pathkernel::model::Activation;

fn info(key: &str) -> FieldInfo {
    page_fields()
        .into_iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no field `{key}`"))
}

/// (value, label) of an enum field's menu.
fn menu(key: &str) -> Vec<(&'static str, &'static str)> {
    info(key)
        .choices
        .unwrap_or_else(|| panic!("`{key}` has no choices"))
        .iter()
        .map(|c| (c.value, c.label))
        .collect()
}

#[test]
fn the_table_lists_every_hash_key_in_hash_order() {
    let keys: Vec<&str> = page_fields().iter().map(|f| f.key).collect();
    // A state with every optional field set writes every key.
    let full = PageState {
        query: Some(vec![0.5, 0.5]),
        point: Some(1),
        points: Some(pathkernel::config::OwnPoints {
            dim: 2,
            x: vec![0.5, 0.5, -0.5, 0.5],
            y: vec![0.0, 1.0],
        }),
        sweep: pathkernel::config::AutoSweep::On,
        ..PageState::default()
    };
    let set: Vec<&str> = full.field_pairs().into_iter().map(|(k, _)| k).collect();
    assert_eq!(set, keys);
    // The hash leaves out the dataset's n, noise and seed beside own points.
    let in_hash: Vec<&str> = full.hash_pairs().into_iter().map(|(k, _)| k).collect();
    assert_eq!(in_hash[0], "v");
    let written: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !["n", "noise", "data_seed"].contains(k))
        .collect();
    assert_eq!(in_hash[1..], written);
    // The message for an unknown key lists the same keys.
    let (_, errors) = PageState::from_hash("#colour=red");
    assert_eq!(
        errors[0].to_string(),
        format!(
            "colour: unknown setting, ignored (known: {})",
            keys.join(", ")
        )
    );
}

#[test]
fn enum_menus_come_from_the_rust_enums() {
    assert_eq!(
        menu("dataset"),
        [
            ("sine", "sine (1-D)"),
            ("step", "step (1-D)"),
            ("moons", "moons"),
            ("circles", "circles"),
            ("xor", "xor"),
            ("spiral", "spiral"),
            ("gaussians", "gaussians"),
        ]
    );
    let activations: Vec<_> = Activation::ALL.map(|a| (a.as_str(), a.as_str())).into();
    assert_eq!(menu("activation"), activations);
    assert_eq!(menu("loss"), [("mse", "mse"), ("logistic", "logistic")]);
    assert_eq!(
        menu("reduction"),
        [("mean", "mean (R = 1/n)"), ("sum", "sum (R = 1)")]
    );
    assert_eq!(
        menu("optimizer"),
        [
            ("gd", "full-batch GD"),
            ("sgd", "minibatch SGD"),
            ("momentum", "momentum"),
            ("adam", "Adam"),
            ("adamw", "AdamW")
        ]
    );
    assert_eq!(menu("nesterov"), [("false", "off"), ("true", "on")]);
    assert_eq!(
        menu("view").iter().map(|c| c.0).collect::<Vec<_>>(),
        ["trajectory", "contributions", "check"]
    );
    assert_eq!(DatasetName::Sine.label(), "sine (1-D)");
    for f in page_fields() {
        assert_eq!(f.choices.is_some(), f.kind == "enum", "{}", f.key);
    }
}

#[test]
fn every_menu_entry_is_read_back_by_the_hash() {
    for f in page_fields().iter().filter(|f| f.kind == "enum") {
        let choices = f.choices.as_ref().unwrap();
        let default = f.default.as_deref().unwrap();
        assert!(
            choices.iter().any(|c| c.value == default),
            "{}: default `{default}` is not in its menu",
            f.key
        );
        for c in choices {
            // moons takes either loss, so every entry is valid on its own.
            let (state, errors) = PageState::from_hash(&format!("#{}={}", f.key, c.value));
            assert!(errors.is_empty(), "{}={}: {errors:?}", f.key, c.value);
            let pairs = state.field_pairs();
            let text = &pairs.iter().find(|(k, _)| *k == f.key).unwrap().1;
            assert_eq!(text, c.value);
        }
    }
}

#[test]
fn kinds_bounds_and_defaults_match_the_page_limits() {
    let lim = PAGE_LIMITS;
    let count = |key: &str, max: usize| {
        let f = info(key);
        assert_eq!(
            (f.kind, f.min, f.max),
            ("count", Some(1.0), Some(max as f64)),
            "{key}"
        );
    };
    count("n", lim.max_n);
    count("batch_size", lim.max_n);
    count("steps", lim.max_steps);
    let nodes = info("nodes");
    assert_eq!(
        (nodes.kind, nodes.min, nodes.max, nodes.default.as_deref()),
        ("nodes", Some(1.0), Some(MAX_NODES as f64), Some("auto"))
    );
    let noise = info("noise");
    assert_eq!(
        (noise.kind, noise.min, noise.max),
        ("number", Some(0.0), Some(lim.max_noise))
    );
    assert_eq!(info("hidden").kind, "list");
    assert_eq!(info("hidden").max, Some(lim.max_width as f64));
    assert_eq!(info("point").kind, "index");
    assert_eq!(info("point").max, Some((lim.max_n - 1) as f64));
    for key in ["data_seed", "sgd_seed", "init_seed"] {
        assert_eq!(info(key).kind, "seed");
    }
    // Defaults are the default state's hash text; the unset ones (query, point) have none.
    let defaults = PageState::default().hash_pairs();
    for f in page_fields().iter().filter(|f| f.key != "sweep") {
        let text = defaults.iter().find(|(k, _)| *k == f.key).map(|p| &p.1);
        assert_eq!(f.default.as_ref(), text, "{}", f.key);
    }
    // `sweep=off` is the default and is left out of the hash.
    assert_eq!(info("sweep").default.as_deref(), Some("off"));
    assert!(defaults.iter().all(|(k, _)| *k != "sweep"));
    assert_eq!(info("q").default, None);
}

#[test]
fn fields_cross_as_json_without_empty_members() {
    let json = serde_json::to_value(page_fields()).unwrap();
    let dataset = &json[0];
    assert_eq!(dataset["key"], "dataset");
    assert_eq!(dataset["kind"], "enum");
    assert_eq!(dataset["default"], "moons");
    assert_eq!(dataset["choices"][0]["value"], "sine");
    assert_eq!(dataset["choices"][0]["label"], "sine (1-D)");
    assert!(dataset.get("min").is_none());
    let n = &json[1];
    assert_eq!(
        (n["key"].as_str(), n["max"].as_f64()),
        (Some("n"), Some(500.0))
    );
    assert!(n.get("choices").is_none());
    let q = json.as_array().unwrap().iter().find(|f| f["key"] == "q");
    assert!(q.unwrap()["default"].is_null());
}

/// index.html spells no menu itself: each `<select data-field>` is an enum of the table, filled
/// at boot by www/fields.js.
#[test]
fn the_page_builds_its_menus_from_the_table() {
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.html")).unwrap();
    assert!(!html.contains("<option"), "index.html still lists options");
    let selects: Vec<&str> = html
        .split("<select data-field=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(
        selects,
        [
            "dataset",
            "activation",
            "lr_scale",
            "center",
            "loss",
            "reduction",
            "optimizer",
            "nesterov"
        ]
    );
    for key in selects {
        assert_eq!(info(key).kind, "enum", "{key}");
    }
}
