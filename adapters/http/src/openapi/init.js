// Starts Swagger UI on the API description served beside the docs page
// (/api/v1/docs → /api/v1/openapi.json). A file of its own, not an inline
// script, so that the page's Content-Security-Policy can forbid those.
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  window.ui = window.SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Never send the document to validator.swagger.io: no request leaves the server.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
});
