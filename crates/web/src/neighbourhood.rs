//! The neighbourhood picture: an SVG drawn on the server with the agent in the middle, its
//! newest followers and followed agents around it, mutual edges marked, and a text alternative.

use indexer::Graph;
use maud::{Markup, html};

use crate::format;

/// At most this many followers and this many followed agents are drawn.
const PER_SIDE: usize = 8;
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 400.0;
const RADIUS: f64 = 150.0;

/// One neighbour and how it is connected.
#[derive(Debug, Clone)]
pub(crate) struct Neighbour {
    account: String,
    follows_agent: bool,
    followed_by_agent: bool,
}

/// The agent's neighbourhood, read from the graph.
#[derive(Debug, Clone)]
pub(crate) struct Neighbourhood {
    account: String,
    neighbours: Vec<Neighbour>,
    followers: u64,
    following: u64,
    mutual: u64,
}

/// The newest followers and followed agents of `account` (at most [`PER_SIDE`] each), each
/// with both edge directions checked in the graph.
pub(crate) fn collect(graph: &Graph, account: &str) -> Neighbourhood {
    let mut neighbours: Vec<Neighbour> = Vec::new();
    let followers = graph.followers(account, None, PER_SIDE).followers;
    let following = graph.following(account, None, PER_SIDE).following;
    for e in followers.iter().chain(following.iter()) {
        let other = e.agent.account_id.as_str();
        if neighbours.iter().any(|n| n.account == other) {
            continue;
        }
        neighbours.push(Neighbour {
            account: other.to_owned(),
            follows_agent: graph.is_following(other, account),
            followed_by_agent: graph.is_following(account, other),
        });
    }
    let network = graph.network(account);
    Neighbourhood {
        account: account.to_owned(),
        neighbours,
        followers: network.follower_count,
        following: network.following_count,
        mutual: network.mutual_count,
    }
}

fn position(i: usize, n: usize) -> (f64, f64) {
    #[allow(clippy::cast_precision_loss)] // at most 2 * PER_SIDE nodes
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n.max(1) as f64;
    (
        WIDTH / 2.0 + RADIUS * angle.cos(),
        HEIGHT / 2.0 + RADIUS * angle.sin(),
    )
}

/// Where a line between the centre and `(x, y)` stops short of both circles.
fn trimmed(x: f64, y: f64) -> (f64, f64, f64, f64) {
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    let (dx, dy) = (x - cx, y - cy);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    (cx + ux * 34.0, cy + uy * 34.0, x - ux * 20.0, y - uy * 20.0)
}

fn kind(n: &Neighbour) -> &'static str {
    match (n.follows_agent, n.followed_by_agent) {
        (true, true) => "mutual",
        (true, false) => "follower",
        _ => "following",
    }
}

/// The figure: the SVG (with `<title>` and `<desc>`) and a caption that says the same in words.
pub(crate) fn render(nb: &Neighbourhood) -> Markup {
    let n = nb.neighbours.len();
    let shown_mutual = nb.neighbours.iter().filter(|x| kind(x) == "mutual").count();
    let summary = format!(
        "{} has {} followers and follows {} agents; {} of these follow each other. Drawn: the {} newest connections ({} mutual).",
        nb.account, nb.followers, nb.following, nb.mutual, n, shown_mutual
    );
    html! {
        section aria-labelledby="neighbourhood-title" {
            h2 #neighbourhood-title { "Neighbourhood" }
            figure.neighbourhood {
                svg #neighbourhood xmlns="http://www.w3.org/2000/svg" role="img"
                    viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT)
                    aria-labelledby="nbh-title nbh-desc" {
                    title #nbh-title { "Neighbourhood of " (nb.account) }
                    desc #nbh-desc { (summary) }
                    defs {
                        marker #arrow viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                            path.arrow d="M0,0 L10,5 L0,10 z" {}
                        }
                    }
                    @for (i, x) in nb.neighbours.iter().enumerate() {
                        @let (px, py) = position(i, n);
                        @let (x1, y1, x2, y2) = trimmed(px, py);
                        @let k = kind(x);
                        @match k {
                            "mutual" => {
                                line.edge.mutual x1=(fmt(x1)) y1=(fmt(y1)) x2=(fmt(x2)) y2=(fmt(y2))
                                    marker-start="url(#arrow)" marker-end="url(#arrow)" data-kind=(k) {}
                            }
                            "follower" => {
                                line.edge.follower x1=(fmt(x2)) y1=(fmt(y2)) x2=(fmt(x1)) y2=(fmt(y1))
                                    marker-end="url(#arrow)" data-kind=(k) {}
                            }
                            _ => {
                                line.edge.following x1=(fmt(x1)) y1=(fmt(y1)) x2=(fmt(x2)) y2=(fmt(y2))
                                    marker-end="url(#arrow)" data-kind=(k) {}
                            }
                        }
                        a href={ "/agents/" (x.account) } {
                            title { (x.account) " (" (k) ")" }
                            circle.node.(k) cx=(fmt(px)) cy=(fmt(py)) r="18" {}
                            text.label x=(fmt(px)) y=(fmt(py + 34.0)) text-anchor="middle" { (format::shorten(&x.account, 18)) }
                        }
                    }
                    circle.node.centre cx=(fmt(WIDTH / 2.0)) cy=(fmt(HEIGHT / 2.0)) r="32" {}
                    text.label.centre-label x=(fmt(WIDTH / 2.0)) y=(fmt(HEIGHT / 2.0 + 5.0)) text-anchor="middle" { (format::shorten(&nb.account, 14)) }
                }
                figcaption {
                    p #neighbourhood-summary { (summary) }
                    p.legend {
                        span.key.key-follower { "→ follows " (nb.account) } " · "
                        span.key.key-following { "followed by " (nb.account) " →" } " · "
                        span.key.key-mutual { "⇄ mutual (thick line)" }
                    }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
