// Starts GraphiQL on the page served by `GET /graphql`. It lives in a file of its
// own, not inline, so the page's Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // The endpoint is the URL this page came from (`/graphql`, or whatever path a
  // proxy puts in front of it); subscriptions go to the same URL over ws(s)://.
  var endpoint = new URL(window.location.pathname, window.location.origin);
  var subscriptions = new URL(endpoint.href);
  subscriptions.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  // GraphiQL sends the header editor's headers with every HTTP request and, for
  // subscriptions, in graphql-transport-ws's `connection_init` payload, where the
  // server reads `Authorization` (browsers cannot set headers on a WebSocket).
  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptions.href,
  });

  var defaultQuery = [
    "# Published content needs no token. To act with",
    "# a role, open Headers below and add:",
    '#   { "Authorization": "Bearer <token>" }',
    "# Run the query with Ctrl-Enter.",
    "",
    "{",
    "  therapies {",
    "    totalCount",
    "  }",
    "}",
    "",
  ].join("\n");

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      // Open on the header editor: the first thing an editor needs is a token.
      defaultEditorToolsVisibility: "headers",
      // Tokens stay out of localStorage unless the user asks GraphiQL to keep them.
      shouldPersistHeaders: false,
    })
  );
})();
