//! Each page rendered in-process, parsed, and asserted on text and attributes.

use scraper::Html;

use crate::helpers::{
    App, FILLERS, HOSTILE_NAME, assert_inert, attrs, hostile_description, long_word, sel, text,
    texts,
};

fn agent_links(doc: &Html) -> Vec<String> {
    attrs(doc, "ol.agents h3 a", "href")
}

#[tokio::test]
async fn directory_shows_network_size_height_and_a_first_page() {
    let app = App::seeded();
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "public, max-age=30");
    assert_eq!(
        page.header("content-security-policy"),
        web::CONTENT_SECURITY_POLICY
    );
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    let doc = page.html();
    let agents = FILLERS + 5;
    assert_eq!(text(&doc, "#network-size"), agents.to_string());
    assert_eq!(
        text(&doc, "#index-height"),
        app.ledger.head().block_height.to_string()
    );
    assert_eq!(agent_links(&doc).len(), 25);
    // Active first: hostile.near wrote last.
    assert_eq!(agent_links(&doc)[0], "/agents/hostile.near");
    let next = attrs(&doc, "a[rel=next]", "href");
    assert_eq!(next.len(), 1);
    assert!(next[0].starts_with("/?cursor="), "{next:?}");
    // Landmarks and a labelled search form.
    for landmark in [
        "header.banner",
        "nav[aria-label=Site]",
        "main#main",
        "footer",
        "form[role=search]",
    ] {
        assert_eq!(doc.select(&sel(landmark)).count(), 1, "{landmark}");
    }
    assert_eq!(attrs(&doc, "label[for=q]", "for"), ["q"]);
    assert_eq!(attrs(&doc, "form[role=search]", "method"), ["get"]);
    assert_eq!(
        attrs(&doc, "link[rel=stylesheet]", "href"),
        [web::STYLESHEET_PATH]
    );
}

#[tokio::test]
async fn directory_pages_through_a_tag_without_repeats() {
    let app = App::seeded();
    let doc = app.get("/?tag=rust").await.html();
    // fillers + alice + hostile carry tag/rust.
    let tagged = FILLERS + 2;
    assert_eq!(text(&doc, "#matching"), tagged.to_string());
    assert_eq!(text(&doc, "h1"), "Agents with tag rust");
    let mut seen = agent_links(&doc);
    let next = attrs(&doc, "a[rel=next]", "href").pop().unwrap();
    assert!(
        next.contains("tag=rust") && next.contains("cursor="),
        "{next}"
    );
    let doc2 = app.get(&next).await.html();
    let second = agent_links(&doc2);
    assert_eq!(seen.len() + second.len(), tagged);
    assert!(attrs(&doc2, "a[rel=next]", "href").is_empty());
    assert_eq!(attrs(&doc2, "a[rel=first]", "href"), ["/?tag=rust"]);
    seen.extend(second);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), tagged);
    assert!(!seen.contains(&"/agents/bob.near".to_owned()));
}

#[tokio::test]
async fn directory_sorts_newest_and_filters_by_capability() {
    let app = App::seeded();
    let doc = app.get("/?sort=newest&limit=3").await.html();
    assert_eq!(
        agent_links(&doc),
        [
            "/agents/hostile.near",
            "/agents/dave.near",
            "/agents/carol.near"
        ]
    );
    let next = attrs(&doc, "a[rel=next]", "href").pop().unwrap();
    assert_eq!(next, "/?sort=newest&limit=3&cursor=carol.near");
    let doc = app.get("/?capability=skills/rust").await.html();
    assert_eq!(agent_links(&doc), ["/agents/alice.near"]);
    assert_eq!(text(&doc, "#matching"), "1");
}

#[tokio::test]
async fn directory_rejects_bad_queries_with_an_html_400() {
    let app = App::seeded();
    for path in [
        "/?sort=oldest",
        "/?tag=%3Cscript%3E",
        "/?cursor=%22%3E",
        "/?limit=ten",
        "/?capability=nope",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.header("content-type").starts_with("text/html"));
        assert_inert(&page.html());
    }
}

#[tokio::test]
async fn search_jumps_to_an_account_or_says_why_not() {
    let app = App::seeded();
    let page = app.get("/search?q=+Alice.near+").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), "/agents/alice.near");
    let page = app
        .get("/search?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
        .await;
    assert_eq!(page.status, 400);
    let doc = page.html();
    assert_inert(&doc);
    assert!(text(&doc, "p.error").contains("<img src=x onerror=alert(1)>"));
}

#[tokio::test]
async fn profile_shows_every_fact_with_its_fastdata_evidence() {
    let app = App::seeded();
    let page = app.get("/agents/alice.near").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), "public, max-age=60");
    let doc = page.html();
    let agent = app.index.read().agent("alice.near").unwrap();
    assert_eq!(text(&doc, "h1"), "Alice");
    assert_eq!(text(&doc, "#account-id"), "alice.near");
    assert_eq!(text(&doc, "#description"), "Rust agent.");
    assert_eq!(
        attrs(&doc, "img.avatar", "src"),
        ["https://example.com/alice.png"]
    );
    assert_eq!(attrs(&doc, "img.avatar", "alt"), ["Avatar of alice.near"]);
    assert_eq!(text(&doc, "#follower-count"), "3");
    assert_eq!(text(&doc, "#following-count"), "1");
    assert_eq!(text(&doc, "#endorsement-count"), "2");
    assert_eq!(text(&doc, "#platforms"), "none");
    assert_eq!(attrs(&doc, "#tags a", "href"), ["/?tag=rust", "/?tag=ai"]);
    assert_eq!(
        attrs(&doc, "#capabilities a", "href"),
        ["/?capability=skills/rust"]
    );
    // Dates come from block time, with their evidence.
    let created = agent.created_at.unwrap();
    let rfc = humantime_rfc(created);
    assert_eq!(attrs(&doc, "#created-at time", "datetime"), [rfc]);
    assert_eq!(
        attrs(&doc, "#created-at a.raw", "href"),
        ["/fastdata/v0/history/contextual.near/alice.near/profile"]
    );
    assert_eq!(
        text(&doc, "#last-active .height"),
        agent.last_active_height.unwrap().to_string()
    );
    assert_eq!(
        attrs(&doc, "#last-active a.raw", "href"),
        ["/fastdata/v0/latest/contextual.near/alice.near/profile"]
    );
    // Every follower edge: the key, its writer (the follower), the block height, the raw read.
    let evidence = texts(&doc, "#followers-title ~ ul.entries .evidence");
    assert_eq!(evidence.len(), 3);
    let bob_edge = app
        .index
        .read()
        .followers("alice.near", None, 10)
        .followers
        .into_iter()
        .find(|f| f.agent.account_id == "bob.near")
        .unwrap();
    assert!(evidence.iter().any(|e| e
        == &format!(
            "key graph/follow/alice.near · writer bob.near · block {} · raw FastData read",
            bob_edge.at_height
        )));
    assert!(
        attrs(&doc, "#followers-title ~ ul.entries a.raw", "href").contains(
            &"/fastdata/v0/latest/contextual.near/bob.near/graph/follow/alice.near".to_owned()
        )
    );
    assert!(
        texts(&doc, "#followers-title ~ ul.entries .reason")
            .contains(&"great rust reviews".to_owned())
    );
    // Following: alice is the writer.
    assert_eq!(
        attrs(&doc, "#following-title ~ ul.entries a.raw", "href"),
        ["/fastdata/v0/latest/contextual.near/alice.near/graph/follow/bob.near"]
    );
    // Endorsements grouped by suffix, endorser as writer.
    assert_eq!(texts(&doc, ".endorsement-group h3"), ["For tags/rust (2)"]);
    assert!(attrs(&doc, ".endorsement-group a.raw", "href").contains(
        &"/fastdata/v0/latest/contextual.near/bob.near/endorsing/alice.near/tags/rust".to_owned()
    ));
    assert!(texts(&doc, ".endorsement-group .reason").contains(&"ships rust daily".to_owned()));
}

fn humantime_rfc(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

/// A popular agent's endorsers are capped per suffix and the rest linked, so the page stays
/// small (regression: agent0.near at 100k agents rendered 500 KB, every endorser).
#[tokio::test]
async fn endorsers_are_capped_per_suffix_with_a_link_to_the_full_list() {
    let app = App::seeded();
    let doc = app.get("/agents/carol.near").await.html();
    assert_eq!(text(&doc, "#endorsement-count"), FILLERS.to_string());
    assert_eq!(
        texts(&doc, ".endorsement-group h3"),
        [format!("For skills/audit ({FILLERS})")]
    );
    assert_eq!(
        doc.select(&sel(".endorsement-group ul.entries > li"))
            .count(),
        20
    );
    assert_eq!(
        text(&doc, ".endorsement-group p.more"),
        format!(
            "and {} more: the full list with evidence is GET /api/v1/agents/carol.near/endorsers.",
            FILLERS - 20
        )
    );
    assert_eq!(
        attrs(&doc, ".endorsement-group p.more a", "href"),
        ["/api/v1/agents/carol.near/endorsers"]
    );
}

#[tokio::test]
async fn profile_image_only_when_it_passes_the_image_url_rules() {
    let app = App::seeded();
    let doc = app.get("/agents/dave.near").await.html();
    assert_eq!(text(&doc, "h1"), "Dave");
    assert_eq!(doc.select(&sel("img")).count(), 0);
}

#[tokio::test]
async fn neighbourhood_svg_marks_mutual_edges_and_has_a_text_alternative() {
    let app = App::seeded();
    let doc = app.get("/agents/alice.near").await.html();
    let svg = sel("svg#neighbourhood");
    assert_eq!(doc.select(&svg).count(), 1);
    assert_eq!(attrs(&doc, "svg#neighbourhood", "role"), ["img"]);
    assert_eq!(
        text(&doc, "svg#neighbourhood title#nbh-title"),
        "Neighbourhood of alice.near"
    );
    let mut kinds: Vec<(String, String)> = doc
        .select(&sel("svg#neighbourhood a"))
        .map(|a| {
            (
                a.value().attr("href").unwrap().to_owned(),
                a.select(&sel("circle"))
                    .next()
                    .unwrap()
                    .value()
                    .attr("class")
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("/agents/bob.near".to_owned(), "node mutual".to_owned()),
            ("/agents/carol.near".to_owned(), "node follower".to_owned()),
            (
                "/agents/hostile.near".to_owned(),
                "node follower".to_owned()
            ),
        ]
    );
    assert_eq!(
        doc.select(&sel("line[data-kind=mutual][marker-start]"))
            .count(),
        1
    );
    assert_eq!(
        text(&doc, "#neighbourhood-summary"),
        "alice.near has 3 followers and follows 1 agents; 1 of these follow each other. Drawn: the 3 newest connections (1 mutual)."
    );
}

#[tokio::test]
async fn hostile_strings_render_as_text_on_every_page() {
    let app = App::seeded();
    for path in [
        "/",
        "/?tag=rust",
        "/?sort=newest",
        "/agents/hostile.near",
        "/agents/alice.near",
    ] {
        let doc = app.get(path).await.html();
        assert_inert(&doc);
    }
    let doc = app.get("/agents/hostile.near").await.html();
    // The name is text, isolated for bidi.
    assert_eq!(text(&doc, "h1 bdi"), HOSTILE_NAME);
    assert_eq!(text(&doc, "title"), format!("{HOSTILE_NAME} · Nearly"));
    // The description keeps its bidi override, HTML and quotes as text, in a dir=auto block.
    assert_eq!(text(&doc, "#description"), hostile_description());
    assert_eq!(attrs(&doc, "#description", "dir"), ["auto"]);
    // The directory card isolates the name too and keeps the long word.
    let doc = app.get("/?tag=rust").await.html();
    let names = texts(&doc, "ol.agents bdi.name");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("<script>window.__pwned=1</script>\"><img")),
        "{names:?}"
    );
    // Alice's page shows hostile reasons as text.
    let doc = app.get("/agents/alice.near").await.html();
    let reasons = texts(&doc, ".reason");
    assert!(reasons.contains(&HOSTILE_NAME.to_owned()), "{reasons:?}");
    assert!(reasons.contains(&format!(
        "</li></ul><script>window.__pwned=4</script>{}",
        long_word()
    )));
    // The stylesheet breaks long words anywhere.
    assert!(web::STYLESHEET.contains("overflow-wrap: anywhere"));
}

#[tokio::test]
async fn unknown_agents_and_paths_get_an_html_404_while_api_paths_keep_json() {
    let app = App::seeded();
    for path in [
        "/agents/nobody.near",
        "/agents/NOT%20AN%20ID",
        "/nope",
        "/agents",
        "/apiary",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            page.header("content-security-policy"),
            web::CONTENT_SECURITY_POLICY
        );
        assert_eq!(text(&page.html(), "h1"), "404 Not found");
        assert_inert(&page.html());
    }
    let page = app.get("/api/v1/nope").await;
    assert_eq!(page.status, 404);
    let body: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(body["success"], false);
    assert_eq!(body["code"], "NOT_FOUND");
    let page = app.get("/api/v1/agents/nobody.near").await;
    assert_eq!(page.status, 404);
    assert!(page.header("content-type").starts_with("application/json"));
    // The API and the sandbox routes behind the pages are untouched.
    let page = app.get("/skill.md").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/markdown"));
    // The FastData emulator's own empty 404 for an unknown route is its wire answer: kept.
    let page = app.get("/fastdata/v0/nope").await;
    assert_eq!(page.status, 404);
    assert_eq!(page.body, "");
    let page = app
        .get("/fastdata/v0/latest/contextual.near/alice.near/profile")
        .await;
    assert_eq!(page.status, 200);
    let body: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(body["entries"][0]["key"], "profile");
}

#[tokio::test]
async fn tags_and_capabilities_list_counts_linking_to_the_directory() {
    let app = App::seeded();
    let page = app.get("/tags").await;
    assert_eq!(page.header("cache-control"), "public, max-age=30");
    let doc = page.html();
    let rows: Vec<String> = texts(&doc, "table.counts tbody tr");
    assert_eq!(rows, [format!("rust{}", FILLERS + 2), "ai2".to_owned()]);
    assert_eq!(
        attrs(&doc, "table.counts a", "href"),
        ["/?tag=rust", "/?tag=ai"]
    );
    let doc = app.get("/capabilities").await.html();
    assert_eq!(texts(&doc, "table.counts tbody tr"), ["skills/rust1"]);
    assert_eq!(
        attrs(&doc, "table.counts a", "href"),
        ["/?capability=skills/rust"]
    );
    assert_eq!(
        attrs(&doc, "nav a[aria-current=page]", "href"),
        ["/capabilities"]
    );
}

#[tokio::test]
async fn docs_render_every_operation_of_the_table() {
    let app = App::seeded();
    let doc = app.get("/docs").await.html();
    let ops = api_http::openapi::operations();
    let ids = attrs(&doc, "section.operation", "id");
    assert_eq!(ids, ops.iter().map(|o| o.id).collect::<Vec<_>>());
    let verify = sel("section#verifyClaim");
    let section = doc.select(&verify).next().unwrap();
    let text_of = |s: &str| {
        section
            .select(&sel(s))
            .next()
            .unwrap()
            .text()
            .collect::<String>()
    };
    assert_eq!(text_of("h2"), "POST /api/v1/verify-claim");
    assert_eq!(text_of("dd.rate"), "60 per 60 s (verify-claim)");
    assert_eq!(text_of("dd.auth"), "none (public)");
    let list = doc.select(&sel("section#listAgents")).next().unwrap();
    let params: Vec<String> = list
        .select(&sel("ul.params code"))
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(
        params,
        ["sort", "tag", "capability", "limit", "cursor", "min_height"]
    );
    assert_eq!(
        list.select(&sel("pre.example"))
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "curl -s \"$NEARLY/api/v1/agents?sort=newest\""
    );
    let hrefs = attrs(&doc, "main a", "href");
    assert!(hrefs.contains(&"/skill.md".to_owned()));
    assert!(hrefs.contains(&"/api/v1/openapi.json".to_owned()));
}

#[tokio::test]
async fn verify_checks_a_signed_claim_then_refuses_its_replay() {
    let app = App::seeded();
    let doc = app.get("/verify").await.html();
    assert_eq!(attrs(&doc, "form.verify", "action"), ["/verify"]);
    assert_eq!(attrs(&doc, "label[for=claim]", "for"), ["claim"]);
    assert_eq!(
        doc.select(&sel("textarea#claim[name=claim][required]"))
            .count(),
        1
    );

    let (account, claim) = app.signed_claim().await;
    let page = app.post_form("/verify", &claim).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), "no-store");
    let doc = page.html();
    assert_eq!(text(&doc, "#verdict-title"), "Valid");
    assert_eq!(text(&doc, "#verified-account"), account);
    assert_eq!(attrs(&doc, "#checks li", "class"), ["pass"; 5]);
    // The textarea keeps the claim for editing.
    assert_eq!(text(&doc, "textarea#claim"), claim);

    // Same nonce store as the API: the second submission is a replay.
    let doc = app.post_form("/verify", &claim).await.html();
    assert_eq!(text(&doc, "#reason"), "replay");
    assert_eq!(
        attrs(&doc, "#checks li", "class"),
        ["pass", "pass", "pass", "fail", "skip"]
    );
}

#[tokio::test]
async fn verify_reports_malformed_and_hostile_input_as_text() {
    let app = App::seeded();
    let doc = app.post_form("/verify", "not json").await.html();
    assert_eq!(text(&doc, "#reason"), "malformed");
    assert_eq!(
        attrs(&doc, "#checks li", "class"),
        ["fail", "skip", "skip", "skip", "skip"]
    );
    let hostile = format!(r#"{{"account_id":"{HOSTILE_NAME}"}}"#);
    let doc = app.post_form("/verify", &hostile).await.html();
    assert_inert(&doc);
    assert_eq!(text(&doc, "#reason"), "malformed");
    assert_eq!(text(&doc, "textarea#claim"), hostile);
    // A form without the field is a 400 page, not a crash.
    let page = app
        .request(
            axum::http::Request::post("/verify")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("other=1"))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.header("content-type").starts_with("text/html"));
}

#[tokio::test]
async fn the_stylesheet_is_served_by_the_crate() {
    let app = App::seeded();
    let page = app.get(web::STYLESHEET_PATH).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(page.body, web::STYLESHEET);
}
