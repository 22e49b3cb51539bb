//! Token cell and store benchmarks: a cached `get` (the hot path of every API
//! call), and a store round trip (save + primary read) per backend.
//! `cargo bench --target x86_64-unknown-linux-gnu --bench token`

#[path = "../tests/store_support/mod.rs"]
#[allow(unused_macros)]
mod store_support;

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use store_support::{Backend, TestDb};
use wxthirdparty::model::{Token, TokenKey, TokenKind};
use wxthirdparty::token::{CellOptions, Fetch, TokenCell};

/// Never called in the cached path; counts would show if it were.
struct Never;
impl Fetch for Never {
    fn fetch<'a>(&'a self, _: Option<&'a Token>) -> std::pin::Pin<Box<dyn std::future::Future<Output = wxthirdparty::Result<Token>> + Send + 'a>> {
        Box::pin(async { Err(wxthirdparty::Error::Other("upstream must not be called".into())) })
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn cached_get(c: &mut Criterion) {
    let rt = rt();
    let key = TokenKey::component("wxbench", TokenKind::ComponentAccessToken);
    let cell = TokenCell::new(key, None, Arc::new(Never), CellOptions::default());
    rt.block_on(cell.set(Token::new("bench-token", 7200))).unwrap();
    c.bench_function("token/cached_get", |b| b.iter(|| rt.block_on(cell.get()).unwrap()));
}

fn store_round_trip(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("store/round_trip");
    group.sample_size(30).measurement_time(Duration::from_secs(4));
    for backend in [Backend::MySql, Backend::Postgres, Backend::Sqlite] {
        let db = rt.block_on(TestDb::create(backend));
        let store = rt.block_on(db.store());
        let key = TokenKey::component("wxbench", TokenKind::ComponentAccessToken);
        let mut n = 0u64;
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                n += 1;
                let t = Token::new(format!("bench-{n}"), 7200);
                rt.block_on(async {
                    store.save_token(&key, &t).await.unwrap();
                    let back = store.load_token(&key, true).await.unwrap().unwrap();
                    assert_eq!(back.value, t.value);
                })
            })
        });
        rt.block_on(store.close());
        drop(db);
    }
    group.finish();
}

criterion_group!(benches, cached_get, store_round_trip);
criterion_main!(benches);
