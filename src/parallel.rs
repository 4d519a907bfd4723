//! An order-keeping parallel map for start-up work (parsing and planning scenario files).
//!
//! Hand-written rather than rayon: this is the crate's only CPU-parallel loop, it runs once per
//! process on a few hundred small items, and it needs two things a pool does not give for free:
//! the calling thread takes part (on 2 cores a third, waiting thread only costs a context
//! switch), and a panic on one item becomes that item's error instead of taking the others
//! down. Items are handed out one at a time from a shared counter, so a few slow files do not
//! leave one core idle while the other finishes a fixed half.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(f)`, spread over the cores; `on_panic(item)` stands in for an item whose
/// `f` panicked.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    on_panic: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let one =
        |item: &T| catch_unwind(AssertUnwindSafe(|| f(item))).unwrap_or_else(|_| on_panic(item));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        // A thread costs more than a handful of small files.
        .min(items.len().div_ceil(8));
    if threads <= 1 {
        return items.iter().map(one).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = one(item);
            *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    results
        .into_iter()
        .zip(items)
        .map(|(r, item)| {
            r.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| on_panic(item))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_and_isolates_a_panic() {
        let items: Vec<u32> = (0..100).collect();
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let out = super::map(
            &items,
            |&i| {
                if i == 37 {
                    panic!("boom");
                }
                Ok(i * 2)
            },
            |&i| Err(i),
        );
        std::panic::set_hook(hook);
        assert_eq!(out.len(), 100);
        for (i, r) in out.iter().enumerate() {
            if i == 37 {
                assert_eq!(*r, Err(37));
            } else {
                assert_eq!(*r, Ok(i as u32 * 2));
            }
        }
    }
}
