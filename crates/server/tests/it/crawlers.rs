//! Googlebot and Bingbot are spared 404 bans only when DNS confirms them (reverse to one of
//! their names, forward back to the address), checked against a real DNS server on loopback.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use reqwest::StatusCode;
use testkit::TestServer;

use crate::eventually;

const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// A DNS server on loopback answering PTR and A questions from two tables; NXDOMAIN for
/// anything else.
async fn dns_server(
    ptr: HashMap<Ipv4Addr, &'static str>,
    a: HashMap<&'static str, Ipv4Addr>,
) -> SocketAddr {
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    let arpa: HashMap<String, &str> = ptr
        .iter()
        .map(|(ip, host)| {
            let [a, b, c, d] = ip.octets();
            (format!("{d}.{c}.{b}.{a}.in-addr.arpa"), *host)
        })
        .collect();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::new(q.metadata.id, MessageType::Response, q.metadata.op_code);
            r.metadata.recursion_desired = q.metadata.recursion_desired;
            r.metadata.recursion_available = true;
            r.metadata.authoritative = true;
            r.add_queries(q.queries.clone());
            for query in &q.queries {
                let name = query.name().to_ascii().trim_end_matches('.').to_lowercase();
                match query.query_type() {
                    RecordType::PTR => {
                        if let Some(host) = arpa.get(&name) {
                            let target = Name::from_ascii(format!("{host}.")).unwrap();
                            r.add_answer(Record::from_rdata(
                                query.name().clone(),
                                60,
                                RData::PTR(PTR(target)),
                            ));
                        }
                    }
                    RecordType::A => {
                        if let Some(ip) = a.get(name.as_str()) {
                            r.add_answer(Record::from_rdata(
                                query.name().clone(),
                                60,
                                RData::A(A(*ip)),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            let known = arpa.contains_key(
                &q.queries
                    .first()
                    .map(|x| x.name().to_ascii().trim_end_matches('.').to_lowercase())
                    .unwrap_or_default(),
            ) || q.queries.iter().any(|x| {
                a.contains_key(
                    x.name()
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_lowercase()
                        .as_str(),
                )
            });
            if !known {
                r.metadata.response_code = ResponseCode::NXDomain;
            }
            let _ = sock.send_to(&r.to_vec().unwrap(), peer).await;
        }
    });
    addr
}

fn client(from: &str, user_agent: &str) -> reqwest::Client {
    testkit::init_for_test();
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .user_agent(user_agent)
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn only_dns_confirmed_crawlers_are_spared_404_bans() {
    let real: Ipv4Addr = "127.0.80.1".parse().unwrap();
    let spoofed: Ipv4Addr = "127.0.81.1".parse().unwrap();
    let dns = dns_server(
        HashMap::from([
            (real, "crawl-127-0-80-1.googlebot.com"),
            // Its PTR claims Google, but the name does not lead back to it.
            (spoofed, "crawl-127-0-81-1.googlebot.com"),
        ]),
        HashMap::from([
            ("crawl-127-0-80-1.googlebot.com", real),
            (
                "crawl-127-0-81-1.googlebot.com",
                "127.0.99.99".parse().unwrap(),
            ),
        ]),
    )
    .await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_404_threshold = 5;
    config.shield.crawler_dns = Some(dns);
    let s = TestServer::start_in(dir, config).await;

    let crawl = |c: reqwest::Client, n: usize| {
        let base = s.http_url.clone();
        async move {
            let mut statuses = Vec::new();
            for i in 0..n {
                statuses.push(
                    c.get(format!("{base}/gone-{i}"))
                        .send()
                        .await
                        .unwrap()
                        .status(),
                );
                // Give the DNS check, which runs off the request path, time to answer.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            statuses
        }
    };
    // The real crawler walks many dead links and is never refused.
    let googlebot = client("127.0.80.1", GOOGLEBOT);
    let seen = crawl(googlebot.clone(), 15).await;
    assert!(seen.iter().all(|s| *s == StatusCode::NOT_FOUND), "{seen:?}");
    let about = format!("{}/about", s.http_url);
    assert_eq!(
        googlebot.get(&about).send().await.unwrap().status(),
        StatusCode::OK
    );

    // A scanner in Googlebot's clothes, with a lying PTR or none at all, is banned.
    for from in ["127.0.81.1", "127.0.82.1"] {
        let fake = client(from, GOOGLEBOT);
        crawl(fake.clone(), 5).await;
        assert!(
            eventually(|| async {
                fake.get(&about).send().await.unwrap().status() == StatusCode::FORBIDDEN
            })
            .await,
            "{from} not banned"
        );
    }
}
