//! In-memory data: auth identities (one per e-mail, shared by every actor type, as in Medusa v2:
//! `app_metadata` holds `customer_id`, `user_id`, … side by side), their emailpass provider
//! identity (scrypt hash, the current reset token's `jti`), customers and their addresses.
//! E-mails are case-sensitive everywhere (observed: no normalisation).

use serde_json::{Map, Value, json};

pub(crate) struct Identity {
    pub id: String,
    /// The emailpass `entity_id`: the e-mail as written.
    pub email: String,
    pub app_metadata: Map<String, Value>,
    salt: Vec<u8>,
    hash: Vec<u8>,
    /// Only the newest reset token is valid; `None` once used.
    pub reset_jti: Option<String>,
}

impl Identity {
    pub(crate) fn password_is(&self, pw: &str) -> bool {
        let got = crate::server::v1::hash_password(pw, &self.salt);
        aws_lc_rs::constant_time::verify_slices_are_equal(&got, &self.hash).is_ok()
    }
    pub(crate) fn set_password(&mut self, pw: &str) {
        let salt: [u8; 16] = rand::random();
        self.hash = crate::server::v1::hash_password(pw, &salt);
        self.salt = salt.to_vec();
    }
    /// `actor_id` for a token of `actor_type`: `app_metadata.<actor_type>_id`, or `""`.
    pub(crate) fn actor_id(&self, actor_type: &str) -> String {
        self.app_metadata
            .get(&format!("{actor_type}_id"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
}

#[derive(Clone)]
pub(crate) struct Customer {
    pub id: String,
    pub email: String,
    pub company_name: Value,
    pub first_name: Value,
    pub last_name: Value,
    pub phone: Value,
    pub metadata: Value,
    pub created_at: String,
    pub addresses: Vec<Map<String, Value>>,
}

impl Customer {
    /// The store customer's default fields, in Medusa's order.
    pub(crate) fn json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("email".into(), json!(self.email));
        o.insert("company_name".into(), self.company_name.clone());
        o.insert("first_name".into(), self.first_name.clone());
        o.insert("last_name".into(), self.last_name.clone());
        o.insert("phone".into(), self.phone.clone());
        o.insert("metadata".into(), self.metadata.clone());
        o.insert("has_account".into(), json!(true));
        o.insert("deleted_at".into(), Value::Null);
        o.insert("created_at".into(), json!(self.created_at));
        o.insert("updated_at".into(), json!(self.created_at));
        o.insert(
            "addresses".into(),
            Value::Array(self.addresses.iter().cloned().map(Value::Object).collect()),
        );
        o
    }
}

#[derive(Default)]
pub(crate) struct Store {
    pub identities: Vec<Identity>,
    pub customers: Vec<Customer>,
    /// Seeded admin users: (id, email, created_at).
    pub users: Vec<(String, String, String)>,
}

pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", crate::server::v1::ulid_like())
}

pub(crate) fn now_iso() -> String {
    crate::clock::now_rfc3339()
}

impl Store {
    pub(crate) fn identity_by_email(&self, email: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.email == email)
    }
    pub(crate) fn identity_by_email_mut(&mut self, email: &str) -> Option<&mut Identity> {
        self.identities.iter_mut().find(|i| i.email == email)
    }
    pub(crate) fn identity(&self, id: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.id == id)
    }
    pub(crate) fn identity_mut(&mut self, id: &str) -> Option<&mut Identity> {
        self.identities.iter_mut().find(|i| i.id == id)
    }
    pub(crate) fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }
    pub(crate) fn customer_mut(&mut self, id: &str) -> Option<&mut Customer> {
        self.customers.iter_mut().find(|c| c.id == id)
    }
    pub(crate) fn add_identity(&mut self, email: &str, password: &str) -> &Identity {
        let mut i = Identity {
            id: new_id("authid"),
            email: email.to_string(),
            app_metadata: Map::new(),
            salt: Vec::new(),
            hash: Vec::new(),
            reset_jti: None,
        };
        i.set_password(password);
        self.identities.push(i);
        self.identities.last().expect("just pushed")
    }
    /// `medusa user -e … -p …`: a `user` actor and its identity.
    pub(crate) fn seed_user(&mut self, email: &str, password: &str) {
        let user_id = new_id("user");
        self.users
            .push((user_id.clone(), email.to_string(), now_iso()));
        self.add_identity(email, password);
        if let Some(i) = self.identities.last_mut() {
            i.app_metadata.insert("user_id".into(), json!(user_id));
        }
    }
}
