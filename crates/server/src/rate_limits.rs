//! Rate-limit budgets (GCRA) per client and kind of request, for the shield.

use shield::bans::Subject;

use crate::config::ShieldConfig;

pub(crate) type Limiter = governor::DefaultKeyedRateLimiter<Subject>;

/// GCRA budgets per client (an IPv4 address or an IPv6 /64), one per kind of request.
pub(crate) struct Limits {
    pages: Limiter,
    statics: Limiter,
    forms: Limiter,
    login: Limiter,
}

fn quota(per_second: Option<u32>, per_minute: Option<u32>, burst: u32) -> governor::Quota {
    let nz = |n: u32| std::num::NonZeroU32::new(n.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let q = match (per_second, per_minute) {
        (Some(n), _) => governor::Quota::per_second(nz(n)),
        (None, Some(n)) => governor::Quota::per_minute(nz(n)),
        (None, None) => governor::Quota::per_second(nz(1)),
    };
    q.allow_burst(nz(burst))
}

impl Limits {
    pub(crate) fn new(c: &ShieldConfig) -> Limits {
        Limits {
            pages: governor::RateLimiter::dashmap(quota(
                Some(c.rate_pages_per_s),
                None,
                c.rate_pages_burst,
            )),
            statics: governor::RateLimiter::dashmap(quota(
                Some(c.rate_static_per_s),
                None,
                c.rate_static_burst,
            )),
            forms: governor::RateLimiter::dashmap(quota(
                None,
                Some(c.rate_forms_per_min),
                c.rate_forms_per_min,
            )),
            login: governor::RateLimiter::dashmap(quota(
                None,
                Some(c.rate_login_per_min),
                c.rate_login_per_min,
            )),
        }
    }

    /// The budget a request draws from.
    pub(crate) fn for_request(
        &self,
        method: &axum::http::Method,
        path: &str,
        admin_path: &str,
    ) -> &Limiter {
        let post = method == axum::http::Method::POST;
        let in_admin = path.starts_with(admin_path);
        if post
            && in_admin
            && (path.ends_with("/login") || path.ends_with("/forgot") || path.ends_with("/reset"))
        {
            &self.login
        } else if post && !in_admin {
            &self.forms
        } else if path.starts_with("/assets/")
            || path.starts_with("/media/")
            || (in_admin && path.contains("/assets/"))
        {
            &self.statics
        } else {
            &self.pages
        }
    }

    /// Evicts clients whose buckets are full again, and gives the memory back.
    pub(crate) fn evict(&self) {
        for l in [&self.pages, &self.statics, &self.forms, &self.login] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}
