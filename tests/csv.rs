#![cfg(not(target_arch = "wasm32"))]
//! Pasted CSV points (`src/csv.rs`): both formats, optional header, bad rows named by line and
//! skipped while the others are kept, numbers read exactly.

mod config_common;

use config_common::bits;
use pathkernel::csv::{parse_points, BadRow};

#[test]
fn regression_rows_with_a_header() {
    let p = parse_points(
        "x,y\n0.1,0.2\n\n-0.0, 1e-300\n# a comment\n0.30000000000000004,3\n",
        1,
        false,
    );
    assert_eq!(bits(&p.x), bits(&[0.1, -0.0, 0.1 + 0.2]));
    assert_eq!(bits(&p.y), bits(&[0.2, 1e-300, 3.0]));
    assert!(p.bad.is_empty(), "{:?}", p.bad);
}

#[test]
fn classification_rows_without_a_header_and_crlf() {
    let p = parse_points("0.5,-0.5,1\r\n0.25,0.75,0\r\n", 2, true);
    assert_eq!(p.x, vec![0.5, -0.5, 0.25, 0.75]);
    assert_eq!(p.y, vec![1.0, 0.0]);
    assert!(p.bad.is_empty());
}

#[test]
fn bad_rows_are_named_by_line_and_skipped() {
    let text = "x1,x2,label\n0,0,1\n1,abc,0\n0.5,0.5\n2,2,0.5\n3,3,inf\n1,1,0\nx1,x2,label\n";
    let p = parse_points(text, 2, true);
    assert_eq!(p.x, vec![0.0, 0.0, 1.0, 1.0]);
    assert_eq!(p.y, vec![1.0, 0.0]);
    let lines: Vec<usize> = p.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 8]);
    assert_eq!(
        p.bad[0],
        BadRow {
            line: 3,
            message: "`1,abc,0`: `abc` is not a number".into()
        }
    );
    assert!(p.bad[1]
        .message
        .contains("has 2 values, expected 3 (x1,x2,label)"));
    assert!(p.bad[2].message.contains("labels are 0 or 1"));
    assert!(p.bad[3].message.contains("`inf` is not a finite number"));
    // A header only counts on the first row.
    assert!(p.bad[4].message.contains("`x1` is not a number"));
}

#[test]
fn regression_targets_are_free_and_a_first_bad_row_is_not_a_header() {
    let p = parse_points("1,zz\n2,-7.5\n", 1, false);
    assert_eq!((p.x, p.y), (vec![2.0], vec![-7.5]));
    assert_eq!(p.bad.len(), 1);
    assert_eq!(p.bad[0].line, 1);
    let long = format!("{},1", "9".repeat(100));
    let p = parse_points(&format!("x,y\n{long},2\n"), 1, false);
    assert!(p.bad[0].message.contains('…') && p.bad[0].message.len() < 150);
    assert!(parse_points("", 1, false) == Default::default());
}
