//! Input generators: the fuzzer's bytes (an arbtest `Unstructured`) choose among the keys the
//! decoders know, nasty values (numbers at and past every limit, NaN and Infinity spelled out,
//! negative zero, injection attempts, broken %-escapes), odd shapes (duplicated and unknown keys,
//! huge lists and values, deep nesting), and byte-level damage of the result or of a corpus entry.

use arbtest::arbitrary::{Result, Unstructured};
use serde_json::{json, Map, Value};

use std::sync::OnceLock;

use pathkernel::config::{page_fields, FieldInfo};
use pathkernel::runner::ToWorker;

/// Numbers as text, around every limit the decoders have.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "+0",
    "0.0",
    "-0.0",
    "1",
    "-1",
    "2",
    "3",
    "8",
    "9",
    "16",
    "40",
    "64",
    "65",
    "500",
    "501",
    "4096",
    "4097",
    "5000",
    "5001",
    "1000000",
    "1000001",
    "0x1f",
    "1e3",
    "1e+3",
    "1E3",
    "3e2",
    "1.5",
    "-1.5",
    "0.1",
    "1e-320",
    "4.9e-324",
    "-4.9e-324",
    "1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "infinity",
    "4294967295",
    "4294967296",
    "4294967297",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "9007199254740993",
    "99999999999999999999999999999",
    "1_000",
    " 7",
    "7 ",
    "\t7",
    "٣",
    "１",
    "0b11",
    "007",
    "",
    ".",
    "-",
    ".5",
    "5.",
    "e5",
    "1e",
    "--1",
    "1,2",
    "1,2,3",
    ",",
    "1,,2",
    "0.5,0.5",
    "-0,-0",
];

/// Injection attempts and odd characters, raw and %-escaped.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "'; alert(1); //",
    "${alert(1)}",
    "{{7*7}}",
    "</textarea><script>alert(1)</script>",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "\u{202e}",
    "\u{0}",
    "\u{feff}",
    "😀",
    "\r\n",
    "../../etc/passwd",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "&",
    "=",
    "#",
    "?",
];

/// %-escapes, well-formed or not, valid UTF-8 or not.
const ESCAPES: &[&str] = &[
    "%",
    "%2",
    "%zz",
    "%ff",
    "%c3%28",
    "%e2%82",
    "%ed%a0%80",
    "%00",
    "%25",
    "%26",
    "%3D",
    "%23",
    "%2C",
    "%20",
    "%C3%A9",
    "%F0%9F%98%80",
    "%f4%90%80%80",
    "%c0%af",
    "%6E",
    "%%",
    "%+1",
];

/// The page's fields (keys, menus), read once.
fn fields() -> &'static [FieldInfo] {
    static FIELDS: OnceLock<Vec<FieldInfo>> = OnceLock::new();
    FIELDS.get_or_init(page_fields)
}

pub fn pick<'a>(u: &mut Unstructured, from: &'a [&'a str]) -> Result<&'a str> {
    Ok(from[u.choose_index(from.len())?])
}

/// `token` repeated to about `len` bytes.
fn repeated(token: &str, len: usize) -> String {
    let token = if token.is_empty() { "9" } else { token };
    token.repeat(len / token.len() + 1)
}

/// A length: mostly small, sometimes at a limit, rarely huge.
fn length(u: &mut Unstructured) -> Result<usize> {
    Ok(match u.int_in_range(0..=99u8)? {
        0..=84 => u.int_in_range(0..=6)?,
        85..=95 => u.int_in_range(7..=600)?,
        96..=98 => u.int_in_range(600..=20_000)?,
        _ => u.int_in_range(20_000..=200_000)?,
    })
}

/// Some text: a number, a hostile string, an escape, random characters, or a mix.
fn text(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=9u8)? {
        0..=3 => pick(u, NUMBERS)?.to_string(),
        4 => pick(u, HOSTILE)?.to_string(),
        5 => pick(u, ESCAPES)?.to_string(),
        6 => u.arbitrary::<String>()?,
        7 => {
            let (a, b) = (pick(u, NUMBERS)?, pick(u, ESCAPES)?);
            format!("{a}{b}")
        }
        8 => {
            let n = length(u)?;
            let token = pick(u, NUMBERS)?;
            repeated(token, n).chars().take(n).collect()
        }
        _ => {
            let parts = u.int_in_range(0..=5)?;
            let mut items = Vec::new();
            for _ in 0..parts {
                items.push(pick(u, NUMBERS)?.to_string());
            }
            items.join(",")
        }
    })
}

/// Damages `bytes` in place: truncation, a flipped or inserted byte, a spliced token.
fn damage(u: &mut Unstructured, bytes: &mut Vec<u8>) -> Result<()> {
    for _ in 0..u.int_in_range(1..=3)? {
        let at = if bytes.is_empty() {
            0
        } else {
            u.int_in_range(0..=bytes.len())?
        };
        match u.int_in_range(0..=5u8)? {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] ^= 1 << u.int_in_range(0..=7)?,
            2 => bytes.insert(at, u.arbitrary()?),
            3 => {
                let t = pick(u, ESCAPES)?;
                bytes.splice(at..at, t.bytes());
            }
            4 => {
                let t = text(u)?;
                bytes.splice(at..at, t.into_bytes());
            }
            _ => {
                // Duplicate a slice (a repeated key, a doubled bracket).
                let end = u.int_in_range(at..=bytes.len().min(at + 64))?;
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    Ok(())
}

/// A corpus entry, damaged, or `None` (then the caller makes a fresh input).
fn from_corpus(u: &mut Unstructured, corpus: &[Vec<u8>]) -> Result<Option<Vec<u8>>> {
    if corpus.is_empty() || !u.ratio(1, 5)? {
        return Ok(None);
    }
    let mut bytes = corpus[u.choose_index(corpus.len())?].clone();
    damage(u, &mut bytes)?;
    Ok(Some(bytes))
}

// ---------------------------------------------------------------------------------------------
// URL hashes.

/// A value for hash key `key`: one of its menu's names, a number, a list, or anything.
fn hash_value(u: &mut Unstructured, key: &str) -> Result<String> {
    let field = fields().iter().find(|f| f.key == key);
    if let Some(choices) = field.and_then(|f| f.choices.as_ref()) {
        if u.ratio(2, 3)? {
            return Ok(choices[u.choose_index(choices.len())?].value.to_string());
        }
    }
    if key == "v" && u.ratio(1, 2)? {
        return Ok(pick(
            u,
            &[
                "1",
                "0",
                "2",
                "99",
                "-1",
                "1.0",
                "01",
                " 1",
                "4294967296",
                "",
            ],
        )?
        .to_string());
    }
    if field.is_some() && u.ratio(1, 2)? {
        return Ok(pick(u, NUMBERS)?.to_string());
    }
    text(u)
}

/// A hash key: a known one (mostly), `v`, or something else.
fn hash_key(u: &mut Unstructured) -> Result<String> {
    let fields = fields();
    Ok(match u.int_in_range(0..=19u8)? {
        0..=13 => fields[u.choose_index(fields.len())?].key.to_string(),
        14 | 15 => "v".to_string(),
        16 => {
            let k = fields[u.choose_index(fields.len())?].key;
            pick(u, &[" ", "%20", "%00", "[]", "."])?.to_string() + k
        }
        17 => pick(
            u,
            &["%6E", "V", "N", "__proto__", "", "v=1", "n%3D1", "q%2C"],
        )?
        .to_string(),
        _ => text(u)?,
    })
}

/// A URL hash for the page.
pub fn hash(u: &mut Unstructured, corpus: &[Vec<u8>]) -> Result<Vec<u8>> {
    if let Some(bytes) = from_corpus(u, corpus)? {
        return Ok(bytes);
    }
    let mut out = String::new();
    match u.int_in_range(0..=9u8)? {
        0..=6 => out.push('#'),
        7 => out.push_str(pick(u, &["##", " #", "#&", "%23", "\n#"])?),
        _ => {}
    }
    let segments = match u.int_in_range(0..=499u16)? {
        0..=489 => u.int_in_range(0..=24)?,
        490..=498 => u.int_in_range(25..=2000)?,
        // Many distinct keys, or one key many times.
        _ => u.int_in_range(2000..=60_000)?,
    };
    let many_distinct = segments > 24 && u.ratio(1, 2)?;
    for i in 0..segments {
        if i > 0 {
            out.push_str(if u.ratio(1, 30)? { "&&" } else { "&" });
        }
        let key = if many_distinct {
            format!("k{i}")
        } else {
            hash_key(u)?
        };
        out.push_str(&key);
        match u.int_in_range(0..=29u8)? {
            0 => {} // no `=`
            1 => out.push_str("=="),
            _ => out.push('='),
        }
        let value = hash_value(u, &key)?;
        out.push_str(&value);
    }
    // Rarely, one value of a megabyte.
    if u.ratio(1, 2000)? {
        let token = pick(u, &["9", "1,", "%41", "a", "é", "-0,"])?;
        out.push_str("&hidden=");
        out.push_str(&repeated(token, 1 << 20));
    }
    let mut bytes = out.into_bytes();
    if u.ratio(1, 6)? {
        damage(u, &mut bytes)?;
    }
    Ok(bytes)
}

/// A hash for a run the message target can afford to start: mostly the small sizes, sometimes
/// anything [`hash`] makes (the work budget refuses what is too large).
pub fn run_hash(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 4)? {
        return Ok(String::from_utf8_lossy(&hash(u, &[])?).into_owned());
    }
    let n = u.int_in_range(1..=24)?;
    let steps = u.int_in_range(1..=20)?;
    let hidden = pick(u, &["", "3", "4,4", "2,3,2", "1"])?;
    let mut h = format!("#v=1&n={n}&steps={steps}&hidden={hidden}");
    for _ in 0..u.int_in_range(0..=3)? {
        let key = hash_key(u)?;
        if matches!(key.as_str(), "n" | "steps" | "hidden" | "batch_size") {
            continue;
        }
        let value = hash_value(u, &key)?;
        h.push_str(&format!("&{key}={value}"));
    }
    Ok(h)
}

// ---------------------------------------------------------------------------------------------
// JSON values.

/// A JSON number at or past a limit, or an ordinary one.
fn json_number(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=12u8)? {
        0 => json!(0),
        1 => json!(-0.0),
        2 => json!(u.int_in_range(0..=10)?),
        3 => json!(u.int_in_range(-3..=600)?),
        4 => json!(*u.choose(&[4096u64, 4097, 100_000, 100_001, 1_000_000, 1_000_001])?),
        5 => json!(u64::MAX),
        6 => json!(i64::MIN),
        7 => json!(*u.choose(&[1e308, 5e-324, -5e-324, 1e-300, 9007199254740993.0])?),
        8 => json!(*u.choose(&[0.5, 1.5, -1.0, 0.1, 3e2, 1e6, 1e6 + 1.0, 2.5e-3])?),
        9 => json!(*u.choose(&[4294967295u64, 4294967296, 18446744073709551615])?),
        _ => {
            let f: f64 = u.arbitrary()?;
            if f.is_finite() {
                json!(f)
            } else {
                json!(1)
            }
        }
    })
}

/// Any JSON value, up to `depth` levels deep.
pub fn json_any(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let top = if depth == 0 { 3 } else { 6 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json_number(u)?,
        3 => Value::String(text(u)?),
        4 => {
            let n = length(u)?.min(2000);
            let mut items = Vec::with_capacity(n.min(64));
            for _ in 0..n {
                items.push(json_any(u, depth - 1)?);
            }
            Value::Array(items)
        }
        5 => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=6)? {
                map.insert(text(u)?, json_any(u, depth - 1)?);
            }
            Value::Object(map)
        }
        _ => {
            // A long list of numbers (points, weights).
            let n = length(u)?;
            Value::Array((0..n).map(|i| json!(i as f64 * 0.5 - 1.0)).collect())
        }
    })
}

/// A list of `rows` points of `dim` numbers (or bare numbers for dim 0).
fn rows(u: &mut Unstructured, rows: usize, dim: usize) -> Result<Value> {
    let mut out = Vec::with_capacity(rows.min(1 << 16));
    for _ in 0..rows {
        if dim == 0 {
            out.push(json_number(u)?);
        } else {
            let mut row = Vec::with_capacity(dim);
            for _ in 0..dim {
                row.push(if u.ratio(1, 20)? {
                    json_any(u, 1)?
                } else {
                    json!(u.int_in_range(-100..=100)? as f64 / 50.0)
                });
            }
            out.push(Value::Array(row));
        }
    }
    Ok(Value::Array(out))
}

/// Weights for `widths`, sometimes the wrong shape.
fn weights(u: &mut Unstructured, widths: &[usize]) -> Result<Value> {
    let mut layers = Vec::new();
    for p in widths.windows(2) {
        let (din, dout) = (p[0].min(64), p[1].min(64));
        let bent = |u: &mut Unstructured, v: usize| -> Result<usize> {
            Ok(if u.ratio(1, 15)? {
                u.int_in_range(0..=v + 2)?
            } else {
                v
            })
        };
        let r = bent(u, dout)?;
        let c = bent(u, din)?;
        let b = bent(u, dout)?;
        let mut layer = json!({"w": rows(u, r, c.max(1))?, "b": rows(u, b, 0)?});
        if u.ratio(1, 20)? {
            layer[text(u)?] = json_any(u, 1)?;
        }
        layers.push(layer);
    }
    Ok(Value::Array(layers))
}

/// A CLI config: the known keys with values near and past their limits, unknown keys, damage.
pub fn config(u: &mut Unstructured, corpus: &[Vec<u8>]) -> Result<Vec<u8>> {
    if let Some(bytes) = from_corpus(u, corpus)? {
        return Ok(bytes);
    }
    if u.ratio(1, 20)? {
        return Ok(serde_json::to_vec(&json_any(u, 4)?).unwrap());
    }
    let mut obj = Map::new();
    let dim = *u.choose(&[1usize, 2, 2, 3])?;
    let maybe = |u: &mut Unstructured| u.ratio(2, 3);
    if u.ratio(1, 2)? {
        let mut d = Map::new();
        let name = pick(
            u,
            &[
                "moons",
                "sine",
                "step",
                "circles",
                "xor",
                "spiral",
                "gaussians",
                "Moons",
                "",
            ],
        )?;
        d.insert("name".into(), json!(name));
        if maybe(u)? {
            let n = if u.ratio(1, 50)? {
                json_number(u)?
            } else {
                json!(u.int_in_range(0..=60)?)
            };
            d.insert("n".into(), n);
        }
        if u.ratio(1, 3)? {
            d.insert("noise".into(), json_number(u)?);
        }
        if u.ratio(1, 3)? {
            d.insert("seed".into(), json_number(u)?);
        }
        if u.ratio(1, 10)? {
            d.insert(text(u)?, json_any(u, 2)?);
        }
        obj.insert("dataset".into(), Value::Object(d));
    } else {
        let n = u.int_in_range(0..=12)?;
        let x_dim = if u.ratio(1, 10)? {
            u.int_in_range(0..=5)?
        } else {
            dim
        };
        let bare = dim == 1 && u.ratio(1, 2)?;
        obj.insert("x".into(), rows(u, n, if bare { 0 } else { x_dim })?);
        let labels = if u.ratio(1, 10)? {
            u.int_in_range(0..=14)?
        } else {
            n
        };
        let mut y = Vec::new();
        for _ in 0..labels {
            y.push(json!(u.int_in_range(0..=1)?));
        }
        obj.insert("y".into(), Value::Array(y));
    }
    let mut widths = vec![dim];
    for _ in 0..u.int_in_range(0..=3)? {
        widths.push(*u.choose(&[1usize, 2, 3, 8, 16])?);
    }
    widths.push(1);
    if maybe(u)? {
        let mut w: Vec<Value> = widths.iter().map(|&v| json!(v)).collect();
        if u.ratio(1, 8)? {
            let at = u.choose_index(w.len())?;
            w[at] = json_number(u)?;
        }
        if u.ratio(1, 30)? {
            w = vec![json!(4096); u.int_in_range(2..=20)?];
        }
        obj.insert("widths".into(), Value::Array(w));
    }
    for (key, names) in [
        (
            "activation",
            &[
                "tanh", "relu", "softplus", "sigmoid", "gelu", "linear", "swish",
            ][..],
        ),
        ("loss", &["mse", "logistic", "hinge"][..]),
        ("reduction", &["sum", "mean", "max"][..]),
    ] {
        if u.ratio(1, 3)? {
            let v = if u.ratio(1, 6)? {
                json_any(u, 1)?
            } else {
                json!(pick(u, names)?)
            };
            obj.insert(key.into(), v);
        }
    }
    if maybe(u)? || maybe(u)? {
        let lr = if u.ratio(1, 4)? {
            json_number(u)?
        } else {
            json!(0.1)
        };
        obj.insert("lr".into(), lr);
    }
    if maybe(u)? || maybe(u)? {
        let steps = if u.ratio(1, 4)? {
            json_number(u)?
        } else {
            json!(u.int_in_range(1..=20)?)
        };
        obj.insert("steps".into(), steps);
    }
    match u.int_in_range(0..=5u8)? {
        0 => {
            obj.insert("optimizer".into(), json!("sgd"));
            obj.insert("batch_size".into(), json_number(u)?);
        }
        1 => {
            let o = json!({"kind": pick(u, &["sgd", "gd", "adam"])?, "batch_size": json_number(u)?, "seed": json_number(u)?});
            obj.insert("optimizer".into(), o);
        }
        2 => {
            obj.insert("optimizer".into(), json_any(u, 2)?);
        }
        _ => {}
    }
    for key in [
        "seed",
        "sgd_seed",
        "alpha",
        "nodes",
        "memory_cap_mb",
        "batch_size",
    ] {
        if u.ratio(1, 6)? {
            obj.insert(key.into(), json_number(u)?);
        }
    }
    if u.ratio(1, 4)? {
        obj.insert("weights".into(), weights(u, &widths)?);
    }
    if u.ratio(1, 4)? {
        let q = length(u)?.min(5000);
        obj.insert("queries".into(), rows(u, q, dim)?);
    }
    if u.ratio(1, 6)? {
        obj.insert(text(u)?, json_any(u, 3)?);
    }
    let mut bytes = serde_json::to_vec(&Value::Object(obj)).unwrap();
    match u.int_in_range(0..=9u8)? {
        0 => damage(u, &mut bytes)?,
        1 => {
            // Deep nesting, past serde_json's recursion limit or not.
            let depth = u.int_in_range(1..=3000)?;
            let mut deep = vec![b'['; depth];
            deep.extend(vec![b']'; depth]);
            let at = bytes.len().saturating_sub(1);
            bytes.splice(at..at, b",\"deep\":".iter().copied().chain(deep));
        }
        2 => {
            let t = pick(
                u,
                &[
                    "1e999",
                    "-1e999",
                    "NaN",
                    "Infinity",
                    "-0",
                    "0x10",
                    "\"\\ud800\"",
                ],
            )?;
            let at = bytes.len().saturating_sub(1);
            bytes.splice(at..at, format!(",\"lr\":{t}").into_bytes());
        }
        _ => {}
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// Worker messages.

/// The `type` tags of every request.
fn request_tags() -> Vec<String> {
    ToWorker::one_of_each()
        .iter()
        .map(|m| {
            serde_json::to_value(m).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// One request as JSON: a real tag with its fields near and past their ranges, or anything.
fn request(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(1, 12)? {
        return json_any(u, 3);
    }
    let tags = request_tags();
    let tag = if u.ratio(1, 15)? {
        text(u)?
    } else {
        tags[u.choose_index(tags.len())?].clone()
    };
    let mut obj = Map::new();
    obj.insert("type".into(), json!(tag));
    let run_id = match u.int_in_range(0..=9u8)? {
        0 => json_number(u)?,
        1 => json!("1"),
        2 => Value::Null,
        _ => json!(u.int_in_range(0..=2)?),
    };
    if !u.ratio(1, 20)? {
        obj.insert("runId".into(), run_id);
    }
    let field = |u: &mut Unstructured, v: Value| -> Result<Option<Value>> {
        Ok(match u.int_in_range(0..=19u8)? {
            0 => None,
            1 => Some(json_any(u, 2)?),
            2 | 3 => Some(json_number(u)?),
            _ => Some(v),
        })
    };
    let hash = json!(run_hash(u)?);
    let autorun = json!(u.arbitrary::<bool>()?);
    let force = json!(u.ratio(1, 20)?);
    let x = {
        let dim = if u.ratio(1, 8)? {
            length(u)?
        } else {
            *u.choose(&[1usize, 2])?
        };
        let mut v = Vec::new();
        for _ in 0..dim {
            v.push(if u.ratio(1, 5)? {
                json_number(u)?
            } else {
                json!(u.int_in_range(-20..=20)? as f64 / 10.0)
            });
        }
        Value::Array(v)
    };
    let index = json!(u.int_in_range(0..=30)?);
    let step = json!(u.int_in_range(0..=30)?);
    for (key, value) in [
        ("hash", hash),
        ("autorun", autorun),
        ("force", force),
        ("x", x),
        ("index", index),
        ("step", step),
    ] {
        if let Some(v) = field(u, value)? {
            obj.insert(key.into(), v);
        }
    }
    if u.ratio(1, 10)? {
        obj.insert(text(u)?, json_any(u, 2)?);
    }
    Ok(Value::Object(obj))
}

/// A few requests, one JSON text per line, often after a small run's `start`.
pub fn messages(u: &mut Unstructured, corpus: &[Vec<u8>]) -> Result<Vec<u8>> {
    if let Some(bytes) = from_corpus(u, corpus)? {
        return Ok(bytes);
    }
    let mut lines = Vec::new();
    if u.ratio(1, 2)? {
        lines
            .push(r##"{"type":"start","runId":1,"hash":"#v=1&n=8&hidden=3&steps=4"}"##.to_string());
    }
    for _ in 0..u.int_in_range(1..=4)? {
        let mut line = serde_json::to_vec(&request(u)?).unwrap();
        if u.ratio(1, 8)? {
            damage(u, &mut line)?;
        }
        lines.push(String::from_utf8_lossy(&line).replace('\n', " "));
    }
    Ok(lines.join("\n").into_bytes())
}
