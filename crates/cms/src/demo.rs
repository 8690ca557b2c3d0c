//! The demo site's content: a small organisation with a few pages and news posts.

use store::{Editor, MenuItem, NewPage, PageKind};

/// Short name of the demo site.
pub const SITE: &str = "demo";

fn page(slug: &str, title: &str, summary: &str, body: &str) -> NewPage {
    NewPage {
        kind: PageKind::Page,
        slug: slug.into(),
        title: title.into(),
        summary: summary.into(),
        body_md: body.into(),
        published: true,
        published_at: None,
    }
}

fn post(slug: &str, title: &str, summary: &str, days_ago: i64, body: &str) -> NewPage {
    NewPage {
        kind: PageKind::Post,
        published_at: Some(store::now() - days_ago * 86_400),
        ..page(slug, title, summary, body)
    }
}

/// Fills the site with demo pages, but only if it has no pages yet: a second run changes
/// nothing, so edits made to the demo survive restarts.
pub async fn seed(editor: &Editor, site_id: i64) -> Result<bool, store::Error> {
    if !editor.pages(site_id).await?.is_empty() {
        return Ok(false);
    }
    let pages = [
        page(
            "/",
            "Welcome to Stichting De Linde",
            "A neighbourhood foundation for culture, care and green spaces.",
            HOME,
        ),
        page("/about", "About us", "Who we are and what we do.", ABOUT),
        page("/contact", "Contact", "How to reach us.", CONTACT),
        page(
            "/news",
            "News",
            "What is happening at De Linde.",
            "The latest from the foundation and the neighbourhood.",
        ),
        post(
            "/news/spring-market",
            "Spring market on 12 April",
            "Forty stalls, music and a repair café.",
            3,
            SPRING,
        ),
        post(
            "/news/new-garden",
            "Our new community garden",
            "Twelve raised beds, open to every neighbour.",
            20,
            GARDEN,
        ),
        post(
            "/news/annual-report",
            "Annual report published",
            "Read what we did with your support last year.",
            45,
            REPORT,
        ),
    ];
    for p in pages {
        editor.put_page(site_id, p, "demo").await?;
    }
    let mut draft = page(
        "/draft-plans",
        "Draft: plans for next year",
        "",
        "Not ready yet.",
    );
    draft.published = false;
    editor.put_page(site_id, draft, "demo").await?;
    let menu = [
        ("Home", "/"),
        ("About", "/about"),
        ("News", "/news"),
        ("Contact", "/contact"),
    ];
    let menu: Vec<MenuItem> = menu
        .iter()
        .map(|(label, href)| MenuItem {
            label: (*label).into(),
            href: (*href).into(),
            child: false,
        })
        .collect();
    editor.set_menu(site_id, &menu).await?;
    Ok(true)
}

const HOME: &str = "\
Stichting De Linde brings neighbours together. We run a community centre, a garden and a \
volunteer network that helps elderly residents with shopping, transport and company.

## What we do

- **Community centre** — courses, a weekly dinner and a quiet place to study.
- **Green spaces** — a shared garden, tree planting and the yearly clean-up day.
- **Neighbour help** — volunteers who visit, shop and drive for those who need it.

Want to help or join in? [Get in touch](/contact) — every hand counts.
";

const ABOUT: &str = "\
De Linde started in 1987 when a handful of residents saved the old linden tree on the square. \
Today the foundation has **3 staff members** and more than **120 volunteers**.

## Our board

| Role | Name |
|---|---|
| Chair | Anneke de Vries |
| Treasurer | Mohamed El Amrani |
| Secretary | Joost Bakker |

We publish an annual report every spring, and our accounts are audited independently.

> \"A neighbourhood is only as strong as the people who look after each other.\"
";

const CONTACT: &str = "\
**Stichting De Linde**  
Lindeplein 4  
1234 AB Voorbeeldstad

Telephone: [020 123 4567](tel:+31201234567)  
E-mail: [info@delinde.example](mailto:info@delinde.example)

The community centre is open Monday to Friday from 9:00 to 17:00, and on Thursday evening \
until 21:00.
";

const SPRING: &str = "\
On Saturday 12 April the square fills up again for our spring market: forty stalls with \
plants, books and second-hand clothes, live music, and a **repair café** where volunteers \
fix your broken lamp or bicycle for free.

Want a stall? Stalls are free for neighbours; [let us know](/contact) before 1 April.
";

const GARDEN: &str = "\
The new community garden behind the centre has opened with twelve raised beds, a tool shed \
and a rain-water tank. Every neighbour can adopt a bed for a season.

1. Sign up at the centre's desk.
2. Pick a bed and a buddy.
3. Grow!
";

const REPORT: &str = "\
Our annual report is out. Last year our volunteers made **4,300 visits**, the weekly dinner \
served **2,100 meals**, and the garden produced more courgettes than anyone could eat.

Thank you to everyone who gave time or money.
";
