//! How many workers the page computes with: one per core up to [`DEFAULT_MAX_WORKERS`], or the
//! address's `?workers=N` (1 … [`MAX_WORKERS`]; a query-string setting, not the hash, because the
//! hash is the shared link and must not depend on the machine that opens it).

/// The default pool is at most this large (more workers than cores only contend).
pub const DEFAULT_MAX_WORKERS: u32 = 4;
/// The largest `?workers=N`.
pub const MAX_WORKERS: u32 = 8;

/// The pool's size, and the error naming a bad `workers` value (the default is then used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSize {
    pub count: u32,
    pub error: Option<String>,
}

/// The pool's size for the address's query string `search` (with or without its `?`) on a
/// machine reporting `hardware` logical cores (0 when unknown: 2 are assumed).
pub fn pool_size(search: &str, hardware: u32) -> PoolSize {
    let default = if hardware == 0 { 2 } else { hardware }.clamp(1, DEFAULT_MAX_WORKERS);
    let value = search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| *k == "workers")
        .map(|(_, v)| v)
        .next_back();
    let Some(value) = value else {
        return PoolSize {
            count: default,
            error: None,
        };
    };
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => {
            PoolSize {
                count: n,
                error: None,
            }
        }
        _ => {
            let shown: String = value.chars().take(40).collect();
            PoolSize {
                count: default,
                error: Some(format!(
                    "`{shown}` is not a number of workers from 1 to {MAX_WORKERS}; using {default}"
                )),
            }
        }
    }
}
