"use strict";
// Nectar's /docs page: Swagger UI on /api/v2/openapi.json. When Nectar wants credentials even to
// read the description, the page asks for an API key or a JWT first, sends it with the document's
// request, and hands it to Swagger UI's Authorize dialog so that "Try it out" uses it too.
(function () {
    const SPEC_URL = "/api/v2/openapi.json";
    const STORE_KEY = "nectar-docs-credentials"; // sessionStorage: gone with the tab

    function headersFor(credentials) {
        if (!credentials) {
            return {};
        }
        return credentials.kind === "apiKey" ? { "X-API-Key": credentials.value }
                                             : { "Authorization": "Bearer " + credentials.value };
    }

    function savedCredentials() {
        try {
            return JSON.parse(sessionStorage.getItem(STORE_KEY));
        } catch (e) {
            return null;
        }
    }

    async function specStatus(credentials) {
        try {
            const response = await fetch(SPEC_URL, { method: "HEAD", headers: headersFor(credentials), cache: "no-store" });
            return response.status;
        } catch (e) {
            return 0;
        }
    }

    function start(credentials) {
        const ui = SwaggerUIBundle({
            url: SPEC_URL,
            dom_id: "#swagger-ui",
            deepLinking: true,
            persistAuthorization: true,
            displayRequestDuration: true,
            presets: [SwaggerUIBundle.presets.apis],
            layout: "BaseLayout",
            requestInterceptor: (request) => {
                if (credentials && request.url.endsWith(SPEC_URL)) {
                    Object.assign(request.headers, headersFor(credentials));
                }
                return request;
            },
            onComplete: () => {
                if (credentials) {
                    ui.preauthorizeApiKey(credentials.kind === "apiKey" ? "ApiKeyAuth" : "BearerAuth", credentials.value);
                }
            },
        });
        window.ui = ui;
    }

    function askForCredentials(message) {
        const form = document.getElementById("nectar-credentials");
        const error = document.getElementById("nectar-credentials-error");
        form.hidden = false;
        error.textContent = message;
        form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const key = document.getElementById("nectar-api-key").value.trim();
            const token = document.getElementById("nectar-bearer").value.trim();
            if (!key && !token) {
                error.textContent = "Enter an API key or a bearer token.";
                return;
            }
            const credentials = key ? { kind: "apiKey", value: key } : { kind: "bearer", value: token };
            const status = await specStatus(credentials);
            if (status !== 200) {
                error.textContent = status === 0 ? "Nectar cannot be reached."
                                                 : "Nectar refused these credentials (HTTP " + status + ").";
                return;
            }
            sessionStorage.setItem(STORE_KEY, JSON.stringify(credentials));
            form.hidden = true;
            start(credentials);
        });
    }

    window.addEventListener("load", async () => {
        const saved = savedCredentials();
        const status = await specStatus(saved);
        if (status === 401 || status === 403) {
            sessionStorage.removeItem(STORE_KEY);
            askForCredentials(saved ? "The saved credentials were refused." : "");
            return;
        }
        start(saved);
    });
})();
