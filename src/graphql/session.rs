//! Operations sent over a WebSocket act for the token the socket opened with;
//! this extension checks that token again before each one, so nothing sent on a
//! socket runs after its token is revoked.

use std::any::TypeId;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest};
use async_graphql::{Request, ServerError, ServerResult};

use super::error::ApiError;
use crate::auth::{self, Identity};
use crate::db::Database;

pub struct SessionCheck;

impl ExtensionFactory for SessionCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SessionCheck)
    }
}

#[async_trait::async_trait]
impl Extension for SessionCheck {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // Only a socket's operations carry the identity in the session data;
        // an HTTP request was authenticated a moment ago.
        let session_identity = ctx
            .session_data
            .get(&TypeId::of::<Identity>())
            .and_then(|data| data.downcast_ref::<Identity>());
        if let Some(credential) = session_identity.and_then(Identity::credential) {
            let db = ctx
                .data::<Database>()
                .map_err(|_| ServerError::new("the schema was built without a database", None))?;
            let refused = match auth::still_valid(db.conn(), credential).await {
                Ok(true) => None,
                Ok(false) => Some(ApiError::Unauthenticated(
                    "the token this connection was opened with has been revoked, or its session has ended"
                        .to_owned(),
                )),
                Err(err) => Some(ApiError::from(err)),
            };
            if let Some(err) = refused {
                let err = async_graphql::Error::from(err);
                return Err(err.into_server_error(async_graphql::Pos::default()));
            }
        }
        next.run(ctx, request).await
    }
}
