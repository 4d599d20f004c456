//! A typed client for the HTTP API, one cookie jar per client (one per user).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A reply: status and JSON body (`Value::Null` when there is none).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The API error code, if this is an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected reply: {}",
            self.body
        );
        self.body
    }

    /// Asserts an error status and code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "reply: {}",
            self.body
        );
        let message = self.body["error"]["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty(),
            "an error needs a message: {}",
            self.body
        );
    }
}

/// A valid profile body.
pub fn profile(gender: &str, major: &str, contact: &str) -> Value {
    json!({
        "gender": gender,
        "birth_year": 2003,
        "mbti": "ENFP",
        "major": major,
        "hobbies": ["축구", "영화"],
        "contact_frequency": "NORMAL",
        "contact": {"type": "KAKAO", "id": contact},
        "song": "봄날",
        "comment": "안녕하세요",
    })
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    cookies: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

impl ApiClient {
    pub fn new(base: &str) -> Self {
        Self::from_address(base, None)
    }

    /// A client whose connections leave from `local` (another loopback address such as
    /// 127.0.0.2: to the server, another machine); `None` lets the system choose.
    pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> Self {
        let cookies = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(cookies.clone())
            .local_address(local)
            .build()
            .expect("http client");
        Self {
            http,
            cookies,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `method path` with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// Sends `method path` with an optional JSON body and extra headers, each added as given
    /// (a name given twice is sent twice; a `cookie` header replaces the jar's cookies).
    pub async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// Posts a `multipart/form-data` form: text parts, and a file part `image` if given.
    pub async fn post_form(
        &self,
        path: &str,
        texts: &[(&str, &str)],
        image: Option<Vec<u8>>,
    ) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in texts {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some(bytes) = image {
            form = form.part(
                "image",
                reqwest::multipart::Part::bytes(bytes).file_name("photo.png"),
            );
        }
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form);
        Self::reply(request.send().await.expect("request sent")).await
    }

    /// `GET path` as bytes: status, content type, content disposition and the body.
    pub async fn download(&self, path: &str) -> (u16, String, String, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent");
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, disposition) = (header("content-type"), header("content-disposition"));
        let status = response.status().as_u16();
        (
            status,
            content_type,
            disposition,
            response.bytes().await.expect("body").to_vec(),
        )
    }

    /// Sends a raw body with a content type (for malformed and oversized bodies).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        Self::reply(request.send().await.expect("request sent")).await
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "non-JSON reply {status}: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply { status, body }
    }

    /// The `session=…` cookie this client holds, for requests made by hand.
    pub async fn session_cookie(&self) -> String {
        let me = self.get("/api/me").await;
        assert_eq!(me.status, 200, "not signed in");
        reqwest::cookie::CookieStore::cookies(&*self.cookies, &self.base.parse().expect("base url"))
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .expect("a session cookie")
    }

    /// Only the status of `method path` (for replies that are not JSON, like CSV).
    pub async fn status_of(&self, method: Method, path: &str, body: Option<&Value>) -> StatusCode {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent").status()
    }

    /// The body of `GET path` as text.
    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent");
        (response.status(), response.text().await.expect("text body"))
    }

    /// POST that may never be answered (the server is about to die): errors are returned.
    pub async fn try_post(&self, path: &str, body: &Value) -> reqwest::Result<StatusCode> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?;
        Ok(response.status())
    }

    /// POST with an `Idempotency-Key`.
    pub async fn keyed_post(&self, path: &str, key: &str, body: &Value) -> Reply {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("idempotency-key", key)
            .json(body);
        Self::reply(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// Signs up as a student does in the app: the account, then consent to the documents in
    /// force (the reply is the sign-up's).
    pub async fn signup(&self, email: &str, nickname: &str) -> Reply {
        let reply = self.signup_without_consent(email, nickname).await;
        if reply.status == 201 {
            self.consent().await;
        }
        reply
    }

    /// Only the account: no consent yet.
    pub async fn signup_without_consent(&self, email: &str, nickname: &str) -> Reply {
        self.post(
            "/api/auth/signup",
            &json!({"email": email, "password": "password123", "nickname": nickname}),
        )
        .await
    }

    /// Accepts the consent documents in force.
    pub async fn consent(&self) {
        let version = self.get("/api/consent").await.expect(200)["version"].clone();
        let body = json!({"version": version, "accepted": ["terms", "privacy", "contact_sharing"], "age_confirmed": true});
        self.post("/api/me/consent", &body).await.expect(200);
    }

    pub async fn put_profile(&self, profile: &Value) -> Reply {
        self.put("/api/me/profile", profile).await
    }

    pub async fn set_dont_pick_me(&self, dont_pick_me: bool) -> Reply {
        self.put("/api/me/pickable", &json!({"dont_pick_me": dont_pick_me}))
            .await
    }

    pub async fn request_match(&self) -> Reply {
        self.post("/api/matches", &json!({"options": {}})).await
    }

    /// Signs up as `nickname` and fills in a profile; returns the user's id.
    pub async fn join(&self, nickname: &str, gender: &str, major: &str) -> String {
        let user = self
            .signup(&format!("{nickname}@test.ac.kr"), nickname)
            .await
            .expect(201);
        self.put_profile(&profile(gender, major, &format!("kakao_{nickname}")))
            .await
            .expect(200);
        user["user"]["id"].as_str().expect("id").to_owned()
    }
}
