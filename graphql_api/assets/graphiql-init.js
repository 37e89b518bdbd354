// GraphiQL for the zhengwu network API, from files served by this server (no CDN).
// The endpoint is the page's own URL; log in with the `login` mutation, then put
// {"Authorization": "Bearer <token>"} in the Headers tab.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: true,
    }),
    document.getElementById("graphiql")
  );
})();
