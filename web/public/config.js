// Runtime settings of the Rift portal. `make run` writes its own copy next to index.html; edit this
// file (no rebuild) when the portal is served elsewhere. Empty values mean:
//   authURL: the rift-auth REST API, default http(s)://<this host>:3000
//   apiURL:  the rift-backend base (GraphQL at apiURL + "query"), default: where index.html was loaded from
window.RIFT_CONFIG = { authURL: "", apiURL: "" };
