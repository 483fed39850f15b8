// The bar at the top: the pages the caller's roles can use, who is signed in, and sign-out.
import { useCaller } from "../caller.js";
import { roleName } from "../format.js";
import { Link } from "../router.js";

export function Nav({ path }: { path: string }) {
  const signedIn = useCaller();
  const { caller } = signedIn;
  const items = [
    ...(signedIn.readsReviews ? [{ to: "/reviews", label: "Reviews" }] : []),
    { to: "/sessions", label: "Sessions" },
    { to: "/alerts", label: "Alerts" },
    { to: "/blocks", label: "Blocks" },
    { to: "/usage", label: "Usage" },
    ...(signedIn.verifiesAudit ? [{ to: "/audit", label: "Audit log" }] : []),
  ];
  const roles = caller.roles.map(roleName).join(", ") || "no role";
  return (
    <header className="bar">
      <span className="brand">Palisade</span>
      <nav aria-label="Console">
        <ul>
          {items.map((item) => {
            const current = path === item.to || path.startsWith(`${item.to}/`);
            return (
              <li key={item.to}>
                <Link to={item.to} aria-current={current ? "page" : undefined}>{item.label}</Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="who">
        <span data-testid="caller">{caller.actor}</span> <span className="muted">({roles})</span>
        <button type="button" className="link" onClick={() => void signedIn.signOut()}>Sign out</button>
      </div>
    </header>
  );
}
