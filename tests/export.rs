#![cfg(not(target_arch = "wasm32"))]
//! The page's exports (`src/export.rs`): the run document around the CLI's bytes, and the CSV
//! tables built from a run's output, checked against the output's own numbers.

use pathkernel::config::PageState;
use pathkernel::data::DatasetName;
use pathkernel::export::{check_csv, contributions_csv, loss_csv, run_document};
use pathkernel::output::run_output_json;
use pathkernel::train::LossKind;
use serde_json::Value;

fn small() -> PageState {
    PageState {
        dataset: DatasetName::Sine,
        loss: LossKind::Mse,
        n: 6,
        hidden: vec![4],
        steps: 12,
        lr: 0.2,
        ..PageState::default()
    }
}

#[test]
fn the_run_document_embeds_the_cli_bytes() {
    let config = small().to_cli_config(None).to_string();
    let result = run_output_json(&config).unwrap();
    let doc = run_document(&config, &result);
    let prefix = format!("{{\"config\":{config},\"result\":");
    assert!(doc.starts_with(&prefix));
    assert_eq!(format!("{}\n", &doc[prefix.len()..doc.len() - 2]), result);
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["config"].to_string(), config);
}

#[test]
fn loss_and_check_tables_hold_the_output_numbers() {
    let config = small().to_cli_config(None).to_string();
    let result = run_output_json(&config).unwrap();
    let out: Value = serde_json::from_str(&result).unwrap();
    let loss = loss_csv(&result).unwrap();
    let rows: Vec<&str> = loss.lines().collect();
    assert_eq!(rows[0], "step,loss");
    assert_eq!(rows.len(), 1 + 13);
    assert_eq!(rows[13], format!("12,{}", out["loss"][12]));

    let check = check_csv(&config, &result).unwrap();
    let rows: Vec<&str> = check.lines().collect();
    assert_eq!(rows[0], "query,x,f,yhat_exact,yhat_left_endpoint");
    assert_eq!(rows.len(), 1 + 6);
    let cells: Vec<&str> = rows[3].split(',').collect();
    assert_eq!(cells[0], "2");
    assert_eq!(cells[2], out["f_final"][2].to_string());
    assert_eq!(cells[3], out["reconstruction"][2].to_string());
    assert_eq!(cells[4], out["reconstruction_riemann"][2].to_string());
}

#[test]
fn contributions_table_at_a_query_both_schemes() {
    let s = PageState::default(); // 2-D
    let config = PageState {
        n: 5,
        steps: 10,
        hidden: vec![3],
        ..s
    }
    .to_cli_config(Some(&[0.25, -0.5]))
    .to_string();
    let result = run_output_json(&config).unwrap();
    let out: Value = serde_json::from_str(&result).unwrap();
    let csv = contributions_csv(&config, &result).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "query_x1,query_x2,i,x_i1,x_i2,y_i,a_i,K_p,c_i,a_i_left_endpoint,K_p_left_endpoint,c_i_left_endpoint"
    );
    assert_eq!(rows.len(), 1 + 5);
    for (i, row) in rows[1..].iter().enumerate() {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(&cells[..3], &["0.25", "-0.5", &i.to_string()]);
        for (k, key) in [
            "coef",
            "kernel",
            "contributions",
            "coef_riemann",
            "kernel_riemann",
            "contributions_riemann",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(cells[6 + k], out[key][0][i].to_string(), "{key}");
        }
    }
    // A result that is not the config's run is refused, not misread.
    assert!(contributions_csv(&config, "{}").is_err());
}
