//! The public API's types and futures can cross threads: a `Client`, its errors, a `BulkJob`
//! and its report, and the futures of every call, so callers can hold them in shared state and
//! `tokio::spawn` them.

use std::future::Future;

use docspace_people::bulk::{BulkJob, BulkOptions, BulkReport, Change, Outcome};
use docspace_people::{
    Client, ClientBuilder, Error, Quota, RetryPolicy, Server, User, UserQuery, UserStatus,
    UserType, Uuid,
};

fn thread_safe<T: Send + Sync + 'static>() {}

fn thread_safe_future<F: Future + Send + Sync>(future: F) -> F {
    future
}

#[test]
fn types_are_send_sync_and_static() {
    thread_safe::<Client>();
    thread_safe::<ClientBuilder>();
    thread_safe::<Error>();
    thread_safe::<BulkJob>();
    thread_safe::<BulkReport>();
    thread_safe::<BulkOptions>();
    thread_safe::<Change>();
    thread_safe::<Outcome>();
    thread_safe::<User>();
    thread_safe::<Server>();
    thread_safe::<RetryPolicy>();
}

/// Compiles only if every future is `Send + Sync`; spawning them checks `'static` when they
/// own what they use.
#[tokio::test]
async fn futures_are_send_and_sync_and_spawnable() {
    let client = Client::builder("http://127.0.0.1:9")
        .token("t")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let ids = [Uuid::from_u128(1)];
    drop(thread_safe_future(client.me()));
    drop(thread_safe_future(client.user(ids[0])));
    drop(thread_safe_future(client.server()));
    drop(thread_safe_future(client.find_users(&UserQuery::new(), 0)));
    drop(thread_safe_future(
        client.set_status(UserStatus::Terminated, &ids),
    ));
    drop(thread_safe_future(client.set_type(UserType::User, &ids)));
    drop(thread_safe_future(client.set_quota(Quota::Unlimited, &ids)));
    drop(thread_safe_future(client.reset_quota(&ids)));
    drop(thread_safe_future(client.users_with_email("a@example.com")));
    drop(thread_safe_future(client.users_by_id(&ids, 4)));
    drop(thread_safe_future(Client::login(
        "http://127.0.0.1:9",
        "a",
        "b",
    )));
    let job = client.bulk(Change::Status(UserStatus::Terminated));
    drop(thread_safe_future(job.run(&ids)));
    let spawned = tokio::spawn({
        let client = client.clone();
        async move { client.me().await }
    });
    // Port 9 refuses the connection: what matters is that it ran on another task.
    assert!(spawned.await.unwrap().is_err());
    let job = client.bulk(Change::Status(UserStatus::Terminated));
    let spawned = tokio::spawn(async move { job.run(&ids).await });
    assert!(spawned.await.unwrap().is_err());
}
