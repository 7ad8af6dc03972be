/**
 * The admin console: a sidebar shell over hash-routed views. Supervisors and admins review
 * breaches, the live board and rankings; every role can read tickets it may see and the config.
 */
import './styles.css';
import { type ComponentChildren, type ComponentType, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, get, onSessionChange, type Session, setSession } from './api';
import { Loading, useInterval } from './components';
import { type Lang, lang, type MessageKey, setLang, t } from './i18n';
import { type Refs, resetRefs, useRefs } from './refs';
import { href, navigate, type Route, useRoute } from './router';
import { healthSchema, inboxSchema } from './schemas';
import { LangSwitch, SignIn } from './views/sign-in';

/**
 * Views load on demand (esbuild splits each into its own chunk): the shell and the first list
 * arrive first on a slow line; ECharts comes only with the rankings.
 */
type ViewProps = { route: Route; session: Session };
const loaders: Record<string, () => Promise<ComponentType<ViewProps>>> = {
  breaches: () =>
    import('./views/breaches').then((m) => (p: ViewProps) => <m.BreachesView route={p.route} />),
  board: () => import('./views/board').then((m) => () => <m.BoardView />),
  inbox: () => import('./views/inbox').then((m) => () => <m.InboxView />),
  triage: () => import('./views/triage').then((m) => () => <m.TriageView />),
  new: () =>
    import('./views/new-ticket').then((m) => (p: ViewProps) => <m.NewTicketView session={p.session} />),
  tickets: () => import('./views/tickets').then((m) => (p: ViewProps) => <m.TicketsView route={p.route} />),
  ticket: () =>
    import('./views/ticket').then((m) => (p: ViewProps) => (
      <m.TicketView id={p.route.path[1] ?? ''} session={p.session} />
    )),
  rankings: () =>
    import('./views/rankings').then((m) => (p: ViewProps) => <m.RankingsView route={p.route} />),
  config: () =>
    import('./views/config').then((m) => (p: ViewProps) => (
      <m.ConfigView tab={p.route.path[1] ?? 'duty-items'} route={p.route} session={p.session} />
    )),
};
const loaded = new Map<string, ComponentType<ViewProps>>();

function Lazy(props: { name: string } & ViewProps) {
  const [, setTick] = useState(0);
  const View = loaded.get(props.name);
  useEffect(() => {
    if (View) return;
    const load = loaders[props.name];
    load?.().then((c) => {
      loaded.set(props.name, c);
      setTick((n) => n + 1);
    });
  }, [props.name]);
  return View ? <View route={props.route} session={props.session} /> : <Loading />;
}

const oversight = (s: Session) => s.role === 'admin' || s.role === 'supervisor';

interface NavItem {
  path: string;
  key: MessageKey;
  icon: string;
  oversight?: boolean;
  /** Dispatchers, supervisors and admins (the street's triage queue). */
  triage?: boolean;
}

const mainNav: NavItem[] = [
  { path: 'inbox', key: 'nav.inbox', icon: '✉' },
  { path: 'triage', key: 'nav.triage', icon: '⇄', triage: true },
  { path: 'breaches', key: 'nav.breaches', icon: '⚑', oversight: true },
  { path: 'board', key: 'nav.board', icon: '◉', oversight: true },
  { path: 'tickets', key: 'nav.tickets', icon: '☰' },
  { path: 'rankings', key: 'nav.rankings', icon: '▤', oversight: true },
  { path: 'new', key: 'nav.newTicket', icon: '＋' },
];
const configNav: NavItem[] = [
  { path: 'config/duty-items', key: 'nav.dutyItems', icon: '≡' },
  { path: 'config/units', key: 'nav.units', icon: '▦' },
  { path: 'config/sla', key: 'nav.sla', icon: '◷' },
  { path: 'config/calendar', key: 'nav.calendar', icon: '▣' },
];

function NavLink(props: { item: NavItem; route: Route; count?: number | undefined }) {
  const here = props.route.path.join('/');
  const active =
    here === props.item.path || (props.item.path === 'tickets' && props.route.path[0] === 'tickets');
  return (
    <li>
      <a
        href={href(props.item.path)}
        class={active ? 'active' : ''}
        aria-current={active ? 'page' : undefined}
      >
        <span class="nav-icon" aria-hidden="true">
          {props.item.icon}
        </span>
        {t(props.item.key)}
        {props.count ? (
          <span class="nav-count" data-testid={`count-${props.item.path}`}>
            {props.count}
          </span>
        ) : null}
      </a>
    </li>
  );
}

/** The count of what waits for the signed-in person, refreshed every 30 seconds. */
function useInboxCount(): number | undefined {
  const [n, setN] = useState<number>();
  const load = () =>
    get(inboxSchema, '/v1/inbox').then(
      (r) => setN(r.counts.total ?? r.items.length),
      () => undefined,
    );
  useEffect(() => {
    load();
  }, []);
  useInterval(load, 30_000, true);
  return n;
}

/** Find a ticket by its code from any page: the ticket list filtered to that code. */
function CodeSearch() {
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState(false);
  return (
    <form
      class="code-search"
      aria-label={t('search.label')}
      onSubmit={(e) => {
        e.preventDefault();
        const c = code.replace(/\s+/g, '').toUpperCase();
        if (!/^WD[0-9A-Z]{8}$/.test(c)) {
          setInvalid(true);
          return;
        }
        setInvalid(false);
        navigate('tickets', { code: c });
      }}
    >
      <label for="code-search" class="sr-only">
        {t('search.label')}
      </label>
      <input
        id="code-search"
        type="search"
        value={code}
        placeholder={t('search.placeholder')}
        autoComplete="off"
        aria-invalid={invalid}
        aria-describedby={invalid ? 'code-search-error' : undefined}
        onInput={(e) => setCode(e.currentTarget.value)}
      />
      <button type="submit" class="btn">
        {t('search.go')}
      </button>
      {invalid ? (
        <span id="code-search-error" class="field-error" role="alert">
          {t('search.invalid')}
        </span>
      ) : null}
    </form>
  );
}

function scopeLabel(s: Session, refs: Refs | undefined) {
  if (s.role === 'unit' && s.unitId) return refs?.unitName(s.unitId) ?? s.unitId;
  if (s.role === 'supervisor')
    return s.streetId ? (refs?.streetById.get(s.streetId)?.name ?? s.streetId) : t('auth.allStreets');
  if (s.role === 'reporter' && s.communityId)
    return refs?.communityById.get(s.communityId)?.name ?? s.communityId;
  return t('auth.wholeCity');
}

function Shell(props: {
  session: Session;
  onLang: (l: Lang) => void;
  children: ComponentChildren;
  route: Route;
}) {
  const { session, route } = props;
  const { refs } = useRefs();
  const raises = session.role === 'reporter' || session.role === 'admin';
  const triages = oversight(session) || session.role === 'dispatcher';
  const items = mainNav.filter(
    (i) => (!i.oversight || oversight(session)) && (!i.triage || triages) && (i.path !== 'new' || raises),
  );
  const scope = scopeLabel(session, refs);
  const waiting = useInboxCount();
  const [menu, setMenu] = useState(false);
  // A phone's drawer closes once a page is chosen.
  useEffect(() => setMenu(false), [route]);
  return (
    <div class={`shell ${menu ? 'menu-open' : ''}`}>
      {/* A button, not a #main link: the hash belongs to the router. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        {t('app.skip')}
      </button>
      <aside class="sidebar" id="sidebar">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            哨
          </span>
          <div>
            <div class="brand-name">{t('app.name')}</div>
            <div class="brand-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        <nav aria-label={t('nav.main')}>
          <ul>
            {items.map((i) => (
              <NavLink key={i.path} item={i} route={route} count={i.path === 'inbox' ? waiting : undefined} />
            ))}
          </ul>
          <div class="nav-group">{t('nav.config')}</div>
          <ul>
            {configNav.map((i) => (
              <NavLink key={i.path} item={i} route={route} />
            ))}
          </ul>
        </nav>
        <div class="sidebar-foot">
          <a href="/docs" class="docs-link">
            {t('nav.docs')} ↗
          </a>
          {refs?.configVersion ? (
            <span class="muted">{t('config.version', { n: refs.configVersion })}</span>
          ) : null}
        </div>
      </aside>
      <div class="content">
        <header class="topbar">
          <button
            type="button"
            class="btn btn-ghost menu-button"
            aria-expanded={menu}
            aria-controls="sidebar"
            onClick={() => setMenu(!menu)}
          >
            <span aria-hidden="true">☰</span> {menu ? t('app.closeMenu') : t('app.menu')}
            {waiting ? <span class="nav-count">{waiting}</span> : null}
          </button>
          <div class="who">
            <span class={`role-chip role-${session.role}`}>{t(`role.${session.role}`)}</span>
            <span class="scope">{scope}</span>
          </div>
          <CodeSearch />
          <div class="topbar-tools">
            <LangSwitch onLang={props.onLang} />
            <button
              type="button"
              class="btn btn-ghost"
              onClick={() => {
                resetRefs();
                setSession(undefined);
              }}
            >
              {t('auth.signOut')}
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {session.role === 'admin' && route.path[0] !== 'config' ? <CalendarWarning /> : null}
          {props.children}
        </main>
      </div>
    </div>
  );
}

/**
 * Administrators see what /healthz tells operators: from 1 November, next year's holiday notice
 * is not loaded and open tickets count their deadlines over it as Monday–Friday.
 */
function CalendarWarning() {
  const [warnings, setWarnings] = useState<{ year: number; openTickets: number }[]>([]);
  useEffect(() => {
    get(healthSchema, '/healthz')
      .then((h) => setWarnings((h.warnings ?? []).filter((w) => w.code === 'calendar_year_unknown')))
      .catch(() => setWarnings([]));
  }, []);
  return (
    <>
      {warnings.map((w) => (
        <div class="notice" role="status" key={w.year}>
          {t('config.calendar.unknownYear')
            .replace('{year}', String(w.year))
            .replace('{n}', String(w.openTickets))}{' '}
          <a href={href('config/calendar', { year: w.year })}>{t('nav.calendar')} →</a>
        </div>
      ))}
    </>
  );
}

function View(props: { route: Route; session: Session }) {
  const { route, session } = props;
  const [first, second] = route.path;
  const name = first === 'tickets' && second ? 'ticket' : (first ?? '');
  if (!loaders[name]) return null;
  return <Lazy key={name} name={name} route={route} session={session} />;
}

function App() {
  const [session, setSessionState] = useState(currentSession());
  const [language, setLanguage] = useState(lang());
  const [notice, setNotice] = useState<string>();
  const route = useRoute();

  useEffect(
    () =>
      onSessionChange((reason) => {
        setNotice(reason === 'expired' ? t('auth.expired') : undefined);
        setSessionState(currentSession());
      }),
    [],
  );

  // Land each role on a page it may see.
  useEffect(() => {
    if (!session) return;
    const first = route.path[0] ?? '';
    const known = ['inbox', 'triage', 'breaches', 'board', 'tickets', 'rankings', 'config', 'new'].includes(
      first,
    );
    const forbidden = mainNav.some((i) => i.path === first && i.oversight) && !oversight(session);
    if (!known || forbidden)
      navigate(oversight(session) ? 'breaches' : session.role === 'dispatcher' ? 'triage' : 'inbox');
  }, [session, route]);

  useEffect(() => {
    document.title = `${t('app.name')} · ${t('app.subtitle')}`;
  }, [language]);

  const onLang = (l: Lang) => {
    setLang(l);
    setLanguage(l);
  };

  if (!session) return <SignIn onLang={onLang} {...(notice ? { notice } : {})} />;
  return (
    // Keyed by language and principal: every view re-renders in the new words / re-fetches.
    <Shell key={`${language}:${session.token}`} session={session} onLang={onLang} route={route}>
      <View route={route} session={session} />
    </Shell>
  );
}

setLang(lang());
const root = document.getElementById('app');
if (root) {
  // index.html shows a static shell while this script loads; the app replaces it.
  root.replaceChildren();
  render(<App />, root);
}
