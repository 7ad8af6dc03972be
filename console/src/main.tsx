/**
 * The admin console: a sidebar shell over hash-routed views. Supervisors and admins review
 * breaches, the live board and rankings; every role can read tickets it may see and the config.
 */
import './styles.css';
import { type ComponentChildren, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSessionChange, type Session, setSession } from './api';
import { type Lang, lang, type MessageKey, setLang, t } from './i18n';
import { type Refs, resetRefs, useRefs } from './refs';
import { href, navigate, type Route, useRoute } from './router';
import { BoardView } from './views/board';
import { BreachesView } from './views/breaches';
import { ConfigView } from './views/config';
import { RankingsView } from './views/rankings';
import { LangSwitch, SignIn } from './views/sign-in';
import { TicketView } from './views/ticket';
import { TicketsView } from './views/tickets';

const oversight = (s: Session) => s.role === 'admin' || s.role === 'supervisor';

interface NavItem {
  path: string;
  key: MessageKey;
  icon: string;
  oversight?: boolean;
}

const mainNav: NavItem[] = [
  { path: 'breaches', key: 'nav.breaches', icon: '⚑', oversight: true },
  { path: 'board', key: 'nav.board', icon: '◉', oversight: true },
  { path: 'tickets', key: 'nav.tickets', icon: '☰' },
  { path: 'rankings', key: 'nav.rankings', icon: '▤', oversight: true },
];
const configNav: NavItem[] = [
  { path: 'config/duty-items', key: 'nav.dutyItems', icon: '≡' },
  { path: 'config/units', key: 'nav.units', icon: '▦' },
  { path: 'config/sla', key: 'nav.sla', icon: '◷' },
  { path: 'config/calendar', key: 'nav.calendar', icon: '▣' },
];

function NavLink(props: { item: NavItem; route: Route }) {
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
      </a>
    </li>
  );
}

function scopeLabel(s: Session, refs: Refs | undefined) {
  if (s.role === 'unit' && s.unitId) return refs?.unitName(s.unitId) ?? s.unitId;
  if (s.role === 'supervisor')
    return s.streetId ? (refs?.streetById.get(s.streetId)?.name ?? s.streetId) : t('auth.allStreets');
  if (s.role === 'reporter' && s.communityId)
    return refs?.communityById.get(s.communityId)?.name ?? s.communityId;
  return s.sub;
}

function Shell(props: {
  session: Session;
  onLang: (l: Lang) => void;
  children: ComponentChildren;
  route: Route;
}) {
  const { session, route } = props;
  const { refs } = useRefs();
  const items = mainNav.filter((i) => !i.oversight || oversight(session));
  const scope = scopeLabel(session, refs);
  return (
    <div class="shell">
      {/* A button, not a #main link: the hash belongs to the router. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        {t('app.skip')}
      </button>
      <aside class="sidebar">
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
              <NavLink key={i.path} item={i} route={route} />
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
          <div class="who">
            <span class={`role-chip role-${session.role}`}>{t(`role.${session.role}`)}</span>
            <span class="scope">{scope}</span>
          </div>
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
          {props.children}
        </main>
      </div>
    </div>
  );
}

function View(props: { route: Route; session: Session }) {
  const { route, session } = props;
  const [first, second] = route.path;
  switch (first) {
    case 'breaches':
      return <BreachesView route={route} />;
    case 'board':
      return <BoardView />;
    case 'tickets':
      return second ? <TicketView id={second} session={session} /> : <TicketsView route={route} />;
    case 'rankings':
      return <RankingsView route={route} />;
    case 'config':
      return <ConfigView tab={second ?? 'duty-items'} route={route} session={session} />;
    default:
      return null;
  }
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
    const known = ['breaches', 'board', 'tickets', 'rankings', 'config'].includes(first);
    const forbidden = mainNav.some((i) => i.path === first && i.oversight) && !oversight(session);
    if (!known || forbidden) navigate(oversight(session) ? 'breaches' : 'tickets');
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
if (root) render(<App />, root);
