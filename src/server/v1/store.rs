//! The customers (with and without an account) and their passwords, as Medusa 1.20's
//! `CustomerService` keeps them: e-mails lower-cased, a guest and an account allowed side by
//! side for one e-mail, scrypt-hashed passwords, and the JSON a customer is answered as.

use super::{Inner, hash_password, ulid_like};
use rand::RngExt;
use serde_json::{Map, Value, json};

#[derive(Clone)]
pub(super) struct Customer {
    pub(super) id: String,
    email: String,
    first_name: Value,
    last_name: Value,
    phone: Value,
    has_account: bool,
    /// (salt, scrypt hash); `None` for a guest.
    hash: Option<(Vec<u8>, Vec<u8>)>,
    created_at: String,
}

#[derive(Default)]
pub(super) struct Store {
    customers: Vec<Customer>,
}

impl Store {
    /// `POST /store/customers`: a new customer (an account when there is a password), or the
    /// duplicate message Medusa answers with.
    pub(super) fn add(&mut self, body: &Value) -> Result<Customer, &'static str> {
        let email = body["email"].as_str().unwrap_or_default().to_lowercase();
        let password = body["password"].as_str().unwrap_or_default();
        let has_account = !password.is_empty();
        if self
            .customers
            .iter()
            .any(|c| c.email == email && c.has_account == has_account)
        {
            return Err(if has_account {
                "A customer with the given email already has an account. Log in instead"
            } else {
                "Guest customer with email already exists"
            });
        }
        let hash = has_account.then(|| {
            let salt: [u8; 16] = rand::rng().random();
            (salt.to_vec(), hash_password(password, &salt))
        });
        let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
        let c = Customer {
            id: format!("cus_{}", ulid_like()),
            email,
            first_name: field("first_name"),
            last_name: field("last_name"),
            phone: field("phone"),
            has_account,
            hash,
            created_at: crate::clock::now_rfc3339(),
        };
        self.customers.push(c.clone());
        Ok(c)
    }

    /// `POST /store/customers/me`: the profile fields present in `body` replace the old ones.
    pub(super) fn update_profile(&mut self, id: &str, body: &Value) -> Option<Customer> {
        let c = self.customers.iter_mut().find(|c| c.id == id)?;
        for (f, slot) in [
            ("first_name", &mut c.first_name),
            ("last_name", &mut c.last_name),
            ("phone", &mut c.phone),
        ] {
            if let Some(v) = body.get(f) {
                *slot = v.clone();
            }
        }
        Some(c.clone())
    }
}

impl Inner {
    /// The customer with an account for this e-mail, any case.
    pub(super) fn find_account(&self, email: &str) -> Option<Customer> {
        let e = email.to_lowercase();
        self.store
            .read()
            .unwrap()
            .customers
            .iter()
            .find(|c| c.email == e && c.has_account)
            .cloned()
    }
    pub(super) fn by_id(&self, id: &str) -> Option<Customer> {
        self.store
            .read()
            .unwrap()
            .customers
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }
    /// Medusa's authenticateCustomer: any problem is just "no".
    pub(super) fn authenticate(&self, body: &Value) -> Option<Customer> {
        let c = self.find_account(body.get("email")?.as_str()?)?;
        let pw = body.get("password")?.as_str()?;
        let (salt, hash) = c.hash.as_ref()?;
        let got = hash_password(pw, salt);
        aws_lc_rs::constant_time::verify_slices_are_equal(&got, hash).ok()?;
        Some(c)
    }
}

/// `{customer}` as `/store/auth` (`auth_shape`: with `orders`) or `/store/customers` (with
/// `billing_address`) answers it.
pub(super) fn customer_json(c: &Customer, auth_shape: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(c.id));
    o.insert("created_at".into(), json!(c.created_at));
    o.insert("updated_at".into(), json!(c.created_at));
    o.insert("deleted_at".into(), Value::Null);
    o.insert("email".into(), json!(c.email));
    o.insert("first_name".into(), c.first_name.clone());
    o.insert("last_name".into(), c.last_name.clone());
    o.insert("billing_address_id".into(), Value::Null);
    o.insert("phone".into(), c.phone.clone());
    o.insert("has_account".into(), json!(c.has_account));
    o.insert("metadata".into(), Value::Null);
    if auth_shape {
        o.insert("orders".into(), json!([]));
    } else {
        o.insert("billing_address".into(), Value::Null);
    }
    o.insert("shipping_addresses".into(), json!([]));
    json!({ "customer": o })
}
