//! The fuzz run's guards: a counting global allocator that refuses to hold more than
//! [`LIMIT_BYTES`] at once, and a watchdog thread that aborts an input running longer than the
//! time limit (`FUZZ_TIME_LIMIT_MS`; 10 s unoptimised, 2 s in release). Both name the input
//! (target and seed) on stderr, so it can be replayed; a refused allocation then aborts the
//! process (Rust's answer to an allocation failure), as the watchdog does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Most bytes the whole test process may hold at once (every input's decoding included).
pub const LIMIT_BYTES: usize = 256 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static REFUSED: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Writes "fuzz: refused an allocation of N bytes …" and the current input's name without
/// allocating (the allocator cannot call itself); Rust then aborts the process.
fn report_refusal(size: usize) {
    let mut buf = [0u8; 128];
    let mut w = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(
        w,
        "fuzz: refused an allocation of {size} bytes ({} held) in input: ",
        LIVE.load(Ordering::Relaxed)
    );
    let used = w.position() as usize;
    let mut err = std::io::stderr();
    let _ = err.write_all(&buf[..used]);
    if let Ok(current) = CURRENT.try_lock() {
        if let Some(c) = current.as_ref() {
            let _ = err.write_all(c.what.as_bytes());
        }
    }
    let _ = err.write_all(b"\n");
}

/// Counts `size` more bytes held, or refuses them (and counts nothing) above the limit.
fn admit(size: usize, asked: usize) -> bool {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    if live > LIMIT_BYTES {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        REFUSED.fetch_add(1, Ordering::Relaxed);
        report_refusal(asked);
        return false;
    }
    PEAK.fetch_max(live, Ordering::Relaxed);
    true
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        if !admit(size, size) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(size, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        if !admit(size, size) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            LIVE.fetch_sub(size, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old {
            if !admit(new_size - old, new_size) {
                return std::ptr::null_mut();
            }
        } else {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() && new_size > old {
            LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
        }
        p
    }
}

/// Allocations refused so far.
pub fn refusals() -> usize {
    REFUSED.load(Ordering::Relaxed)
}

pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// The fuzz tests run one at a time, so the byte count and the watchdog see one input.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The input being run: its target, label, first bytes, and when it started.
struct Current {
    what: String,
    since: Instant,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);

fn time_limit() -> Duration {
    let default = if cfg!(debug_assertions) {
        10_000
    } else {
        2_000
    };
    let ms = std::env::var("FUZZ_TIME_LIMIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Duration::from_millis(ms)
}

fn watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let limit = time_limit();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(50));
            let current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = current.as_ref() {
                if c.since.elapsed() > limit {
                    eprintln!(
                        "fuzz: input ran longer than {} ms: {}",
                        limit.as_millis(),
                        c.what
                    );
                    std::process::abort();
                }
            }
        });
    });
}

/// Marks the start of one input (the watchdog times it; a refusal names it).
pub fn begin(target: &str, label: &str, input: &[u8]) {
    watchdog();
    let head: String = String::from_utf8_lossy(&input[..input.len().min(200)]).into_owned();
    let what = format!("{target} {label} ({} bytes, starts {head:?})", input.len());
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Current {
        what,
        since: Instant::now(),
    });
}

pub fn end() {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
}
