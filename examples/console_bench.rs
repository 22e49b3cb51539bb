//! The console's server time over 10,000 authorizers: the first page, a
//! deep page (keyset), a search and a filter, timed over loopback HTTP.
//! `cargo run --release --example console_bench -- [sqlite|mysql|postgres]`
//! (MySQL / Postgres from WXTP_TEST_MYSQL / WXTP_TEST_POSTGRES, default the
//! local servers; a throwaway database is created and dropped).

use std::time::Instant;

use wxthirdparty::console::{Console, ConsoleConfig, ConsoleLogin, Role};
use wxthirdparty::model::{Token, TokenKey, TokenKind};
use wxthirdparty::store::{AuthorizerRecord, Store, StoreConfig};

const N: usize = 10_000;
const RUNS: usize = 50;
const PLATFORM: &str = "wxbenchcomponent";

async fn seed(store: &Store) {
    store.migrate().await.unwrap();
    store.save_token(&TokenKey::component(PLATFORM, TokenKind::ComponentAccessToken), &Token::new("cat", 7200)).await.unwrap();
    let mut tasks = Vec::new();
    for chunk in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in (chunk..N).step_by(4) {
                let appid = format!("wx{i:016}");
                let rec = AuthorizerRecord {
                    component_appid: PLATFORM.into(),
                    appid: appid.clone(),
                    wx_token: format!("wxt{i}"),
                    nick_name: Some(format!("Shop {i} 小店")),
                    head_img: None,
                    service_type_id: Some(2),
                    verify_type_info: Some(0),
                    user_name: Some(format!("gh_{i:012}")),
                    alias: None,
                    func_info: Some(format!(r#"[{{"funcscope_category":{{"id":{}}}}}]"#, 1 + i % 20)),
                    authorized: i % 50 != 0,
                    app_type: Some(if i % 3 == 0 { "mini_program" } else { "official_account" }.into()),
                    mini_program_info: None,
                    principal_name: None,
                };
                // MySQL may pick a writer as a deadlock victim: that write is retried.
                let key = TokenKey::new(PLATFORM, TokenKind::AuthorizerAccessToken, appid);
                for attempt in 0.. {
                    let r = async { store.upsert_authorizer(&rec).await?; store.save_token(&key, &Token::new(format!("aat{i}"), 7200)).await }.await;
                    match r {
                        Ok(()) => break,
                        Err(e) if attempt < 20 => eprintln!("retrying a seed write: {e}"),
                        Err(e) => panic!("{e}"),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

async fn time(http: &reqwest::Client, cookie: &str, url: &str) -> (f64, f64) {
    let mut ms = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let res = http.get(url).header("cookie", cookie).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body = res.text().await.unwrap();
        assert!(body.contains("<table"));
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (ms[RUNS / 2], ms[RUNS * 95 / 100])
}

/// One statement on the server's admin database (create / drop the bench's own).
async fn admin_sql(admin: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    if admin.starts_with("mysql") {
        let mut c = sqlx::MySqlConnection::connect(admin).await.unwrap();
        c.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
        c.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let backend = std::env::args().nth(1).unwrap_or_else(|| "sqlite".into());
    let name = format!("wxtp_bench_{:08x}", rand::random::<u32>());
    let (url, admin) = match backend.as_str() {
        "mysql" => {
            let admin = std::env::var("WXTP_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
            let mut u = url::Url::parse(&admin).unwrap();
            u.set_path(&format!("/{name}"));
            (u.to_string(), Some(admin))
        }
        "postgres" => {
            let admin = std::env::var("WXTP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let mut u = url::Url::parse(&admin).unwrap();
            u.set_path(&format!("/{name}"));
            (u.to_string(), Some(admin))
        }
        _ => (format!("sqlite:///tmp/{name}.db"), None),
    };
    if let Some(admin) = &admin {
        admin_sql(admin, &format!("CREATE DATABASE {name}")).await;
    }
    let store = Store::connect(&StoreConfig::new(url.clone())).await.unwrap();
    let t = Instant::now();
    seed(&store).await;
    eprintln!("seeded {N} authorizers in {:.1} s", t.elapsed().as_secs_f64());
    store.close().await;

    let logins = vec![ConsoleLogin { name: "operator".into(), role: Role::Operator, password: "bench-token-1".into() }];
    let con = Console::start(ConsoleConfig { db: url.clone(), host: None, port: 0, logins, component_appid: None, rollouts: None }).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = http.post(format!("{}/login", con.url())).form(&[("user", "operator"), ("password", "bench-token-1")]).send().await.unwrap();
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let base = con.url();
    let deep = format!("wx{:016}", N * 9 / 10);
    for (what, path) in [
        ("first page (50 rows)", "/authorizers".to_owned()),
        ("deep page (after 90%)", format!("/authorizers?after={deep}")),
        ("search by name, 1 hit", "/authorizers?q=shop%209876%20".to_owned()),
        ("search by name, many hits", "/authorizers?q=shop%2012".to_owned()),
        ("mini programs, permission set 7", "/authorizers?type=mini_program&scope=7".to_owned()),
        ("platform view", "/platform".to_owned()),
    ] {
        let (p50, p95) = time(&http, &cookie, &format!("{base}{path}")).await;
        println!("{backend}\t{what}\tp50 {p50:.2} ms\tp95 {p95:.2} ms\tgoal 100 ms: {:.0}× under", 100.0 / p95);
    }
    con.close().await;
    if let Some(admin) = admin {
        let force = if admin.starts_with("postgres") { " WITH (FORCE)" } else { "" };
        admin_sql(&admin, &format!("DROP DATABASE {name}{force}")).await;
    } else {
        let _ = std::fs::remove_file(format!("/tmp/{name}.db"));
    }
}
