/** Hash routes (`#/secrets/NAME`), so the service serves one page; only names and page names go in the URL, never a value or token. */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "secrets" }
  | { page: "secret"; name: string }
  | { page: "import" }
  | { page: "tokens" }
  | { page: "audit" }
  | { page: "keys" }
  | { page: "tenants" };

export function parseRoute(hash: string): Route {
  const [page = "", ...rest] = hash.replace(/^#\/?/, "").split("/");
  switch (page) {
    case "secrets":
      return rest[0] ? { page: "secret", name: decodeURIComponent(rest[0]) } : { page: "secrets" };
    case "import":
    case "tokens":
    case "audit":
    case "keys":
    case "tenants":
      return { page };
    default:
      return { page: "secrets" };
  }
}

export const secretHref = (name: string) => `#/secrets/${encodeURIComponent(name)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
