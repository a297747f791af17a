//! Boxed futures, so that the futures of bulk runs are `Send` for every caller: without the box,
//! the compiler cannot show it for closures that return futures borrowing the job (a known
//! limitation of the compiler with higher-ranked lifetimes). `tests/it/api.rs` checks it.

/// A boxed, `Send` future.
pub(crate) type Boxed<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + Sync + 'a>>;

/// Boxes `future`.
pub(crate) fn boxed<'a, T>(
    future: impl std::future::Future<Output = T> + Send + Sync + 'a,
) -> Boxed<'a, T> {
    Box::pin(future)
}
