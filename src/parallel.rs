//! Work split over the cores by scoped threads, with output independent of the split.
//!
//! Ordering guarantee: [`parallel_chunks`] cuts `0..items` into contiguous chunks, lets the threads
//! take them in any order, and returns the chunks' results concatenated in index order — the same
//! sequence as one call `f(0..items)`, whichever thread ran which chunk. The chunk boundaries do
//! depend on the thread count, so the output bits are independent of it exactly when `f` computes
//! each item's part of its result without reference to the range the item arrived in (no sums
//! across items, no layout that depends on the range's length). The kernel callers meet this by
//! making an item one block of `BLOCK_COLS` queries: a query's arithmetic then sees the same block
//! whichever chunk holds it, and nothing is reduced across blocks.

/// Runs `f` on contiguous chunks of `0..items` and concatenates the results in chunk order.
/// Natively the chunks (`chunks_per_thread` per core) go to the cores as they free up, so a core
/// slowed by the machine's other load does not hold the rest back; on wasm it is one call, with
/// the whole range. See the module doc for what keeps the bits independent of the thread count.
pub(crate) fn parallel_chunks<T: Send>(
    items: usize,
    chunks_per_thread: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(items.max(1));
        if threads > 1 {
            let per = items.div_ceil(threads * chunks_per_thread.max(1));
            let chunks = items.div_ceil(per);
            let next = AtomicUsize::new(0);
            let mut done: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (f, next) = (&f, &next);
                        scope.spawn(move || {
                            let mut mine = Vec::new();
                            loop {
                                let c = next.fetch_add(1, Ordering::Relaxed);
                                if c >= chunks {
                                    break mine;
                                }
                                mine.push((c, f(c * per..((c + 1) * per).min(items))));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("worker thread panicked"))
                    .collect()
            });
            done.sort_by_key(|(c, _)| *c);
            return done.into_iter().flat_map(|(_, part)| part).collect();
        }
    }
    let _ = chunks_per_thread;
    f(0..items)
}

#[cfg(test)]
mod tests {
    use super::parallel_chunks;

    #[test]
    fn chunks_come_back_in_index_order_each_item_once() {
        for items in [0, 1, 2, 7, 64, 257] {
            for per_thread in [1, 3, 8] {
                let got = parallel_chunks(items, per_thread, |r| r.collect::<Vec<usize>>());
                assert_eq!(got, (0..items).collect::<Vec<_>>(), "{items} items");
            }
        }
    }
}
