//! Criterion: message crypto and XML on the hot paths (native only; the
//! JS-side comparison lives in benches/js/crypto.js).
//! Run: cargo bench --target x86_64-unknown-linux-gnu --bench crypto

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use wxthirdparty::crypto::MsgCrypt;
use wxthirdparty::message::{self, SignatureQuery};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wx2c2769f8efd9abc2";

fn crypt() -> MsgCrypt {
    MsgCrypt::new("spamtest", KEY, APPID).unwrap()
}

fn payload(n: usize) -> String {
    let head = "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Content><![CDATA[";
    let tail = "]]></Content></xml>";
    format!("{head}{}{tail}", "x".repeat(n - head.len() - tail.len()))
}

fn ticket_push(c: &MsgCrypt) -> (String, SignatureQuery) {
    let inner = format!(
        "<xml><AppId><![CDATA[{APPID}]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@{}]]></ComponentVerifyTicket></xml>",
        "Lc2Ue2-x_yZ9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijKLMNOPQRSTUV"
    );
    let encrypt = c.encrypt(&inner);
    let q = SignatureQuery {
        timestamp: "1700000000".into(),
        nonce: "1320562132".into(),
        msg_signature: c.signature("1700000000", "1320562132", &encrypt),
    };
    (format!("<xml><AppId><![CDATA[{APPID}]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"), q)
}

fn bench(cr: &mut Criterion) {
    let c = crypt();
    for n in [300usize, 4096] {
        let msg = payload(n);
        let enc = c.encrypt(&msg);
        let mut g = cr.benchmark_group(format!("msg_crypt_{n}B"));
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_function("encrypt", |b| b.iter(|| c.encrypt(black_box(&msg))));
        g.bench_function("decrypt", |b| b.iter(|| c.decrypt(black_box(&enc)).unwrap()));
        g.finish();
    }
    let (body, q) = ticket_push(&c);
    let mut g = cr.benchmark_group("ticket_push");
    g.bench_function("signature+decrypt+parse", |b| {
        b.iter(|| message::decrypt_envelope(&c, black_box(&body), Some(&q)).unwrap())
    });
    let inner = c.decrypt(&message::parse(&body).unwrap()["Encrypt"].as_str().unwrap().to_owned()).unwrap().0;
    g.bench_function("parse_inner", |b| b.iter(|| message::parse(black_box(&inner)).unwrap()));
    g.bench_function("parse_inner_json", |b| {
        b.iter(|| message::parse_json(black_box(&inner), &message::ParseOptions::default()).unwrap())
    });
    g.bench_function("signature+decrypt+parse_json", |b| {
        b.iter(|| message::decrypt_envelope_json(&c, black_box(&body), Some(&q), &message::ParseOptions::default()).unwrap())
    });
    // The floor: quick-xml reading the same document without building anything.
    g.bench_function("quick_xml_events_only", |b| {
        b.iter(|| {
            let mut r = quick_xml::Reader::from_str(black_box(&inner));
            r.config_mut().trim_text(true);
            let mut n = 0;
            loop {
                match r.read_event().unwrap() {
                    quick_xml::events::Event::Eof => break,
                    _ => n += 1,
                }
            }
            n
        })
    });
    g.bench_function("quick_xml_events_only_envelope", |b| {
        b.iter(|| {
            let mut r = quick_xml::Reader::from_str(black_box(&body));
            r.config_mut().trim_text(true);
            let mut n = 0;
            loop {
                match r.read_event().unwrap() {
                    quick_xml::events::Event::Eof => break,
                    _ => n += 1,
                }
            }
            n
        })
    });
    g.bench_function("parse_envelope", |b| b.iter(|| message::parse(black_box(&body)).unwrap()));
    let encrypt = message::parse(&body).unwrap()["Encrypt"].as_str().unwrap().to_owned();
    g.bench_function("verify_signature", |b| {
        b.iter(|| c.verify_signature(&q.msg_signature, &q.timestamp, &q.nonce, black_box(&encrypt)))
    });
    g.bench_function("decrypt", |b| b.iter(|| c.decrypt(black_box(&encrypt)).unwrap()));
    let parsed = message::parse(&inner).unwrap();
    g.bench_function("to_json", |b| b.iter(|| serde_json::Value::Object(black_box(&parsed).clone()).to_string()));
    g.finish();

    // A hostile body: n distinct sibling names (linear since the streaming
    // parser hashes names; was quadratic). Per-element time should stay flat.
    let mut g = cr.benchmark_group("distinct_siblings");
    for n in [10_000usize, 40_000] {
        let body: String = (0..n).map(|i| format!("<f{i}>{i}</f{i}>")).collect();
        let xml = format!("<xml>{body}</xml>");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("parse_json_{}k", n / 1000), |b| {
            b.iter(|| message::parse_json(black_box(&xml), &message::ParseOptions::default()).unwrap())
        });
    }
    g.finish();

    let m = message::parse(&payload(300)).unwrap();
    let mut m = m;
    m.insert("FromUserName".into(), json!("oUser"));
    let reply = json!({"type": "news", "content": [{"title": "t", "description": "d", "picUrl": "p", "url": "u"}]});
    cr.bench_function("build_reply_news", |b| b.iter(|| message::build_reply(black_box(&m), &reply).unwrap()));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
