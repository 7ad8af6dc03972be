/**
 * Sign-in. On AWS `/config.json` names the Cognito user pool: username and password go to
 * Cognito's InitiateAuth (USER_PASSWORD_AUTH) and the ID token is the bearer. On the embedded
 * runtime there is no `/config.json` and a demo principal is picked from the dev token endpoint.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, sessionFromToken, setSession } from '../api';
import { Field, Loading, ProblemBox } from '../components';
import { type Lang, lang, t } from '../i18n';
import {
  type Community,
  cognitoAuthSchema,
  communitiesSchema,
  type SiteConfig,
  siteConfigSchema,
  tokenSchema,
  type Unit,
  unitsSchema,
} from '../schemas';

type Mode = { kind: 'loading' } | { kind: 'demo' } | { kind: 'cognito'; config: SiteConfig };

/** The embedded server answers unknown paths with index.html: only real JSON counts as a config. */
async function siteConfig(): Promise<SiteConfig | undefined> {
  try {
    const res = await fetch('/config.json', { headers: { accept: 'application/json' } });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
    const parsed = siteConfigSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function demoToken(claims: Record<string, string>): Promise<string> {
  const res = await fetch('/v1/local/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  });
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, { title: 'Sign-in failed', ...(body as object) });
  return tokenSchema.parse(body).token;
}

export function SignIn(props: { onLang: (l: Lang) => void; notice?: string }) {
  const [mode, setMode] = useState<Mode>({ kind: 'loading' });
  useEffect(() => {
    siteConfig().then((config) => setMode(config ? { kind: 'cognito', config } : { kind: 'demo' }));
  }, []);

  return (
    <div class="signin-page">
      <main class="signin-card" id="main">
        <div class="signin-brand">
          <span class="logo" aria-hidden="true">
            哨
          </span>
          <div>
            <div class="brand-name">{t('app.name')}</div>
            <div class="brand-sub">{t('app.subtitle')}</div>
          </div>
          <LangSwitch onLang={props.onLang} />
        </div>
        <h1>{t('auth.title')}</h1>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        {mode.kind === 'loading' ? <Loading /> : null}
        {mode.kind === 'demo' ? <DemoPicker /> : null}
        {mode.kind === 'cognito' ? <CognitoForm config={mode.config} /> : null}
      </main>
    </div>
  );
}

export function LangSwitch(props: { onLang: (l: Lang) => void }) {
  return (
    <fieldset class="lang-switch">
      <legend class="sr-only">{t('lang.switch')}</legend>
      {(['zh', 'en'] as const).map((l) => (
        <button
          key={l}
          type="button"
          class={lang() === l ? 'active' : ''}
          aria-pressed={lang() === l}
          lang={l === 'zh' ? 'zh-CN' : 'en'}
          onClick={() => props.onLang(l)}
        >
          {l === 'zh' ? '中文' : 'EN'}
        </button>
      ))}
    </fieldset>
  );
}

const roles = ['admin', 'supervisor', 'dispatcher', 'unit', 'reporter'] as const;
type Role = (typeof roles)[number];

function DemoPicker() {
  const [role, setRole] = useState<Role>('admin');
  const [lists, setLists] = useState<{ units: Unit[]; communities: Community[] }>();
  const [streetId, setStreetId] = useState('');
  const [unitId, setUnitId] = useState('u-street-lailongmen');
  const [communityId, setCommunityId] = useState('cm-nanqiao');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  // The pickers need the unit and community names: a short-lived admin token reads them.
  useEffect(() => {
    (async () => {
      const token = await demoToken({ role: 'admin', sub: 'console-picker' });
      const headers = { authorization: `Bearer ${token}` };
      const [u, c] = await Promise.all([
        fetch('/v1/units', { headers }).then((r) => r.json()),
        fetch('/v1/communities', { headers }).then((r) => r.json()),
      ]);
      setLists({ units: unitsSchema.parse(u).items, communities: communitiesSchema.parse(c).items });
    })().catch(() => setLists({ units: [], communities: [] }));
  }, []);

  const streets = (lists?.units ?? []).filter((u) => u.kind === 'street' && u.streetId);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const claims: Record<string, string> = { role, sub: `${role}-console` };
      if (role === 'supervisor' && streetId) claims.streetId = streetId;
      // A dispatcher always works one street's queue: the first street unless one is chosen.
      if (role === 'dispatcher') claims.streetId = streetId || (streets[0]?.streetId ?? '');
      if (role === 'unit') claims.unitId = unitId;
      if (role === 'reporter') claims.communityId = communityId;
      setSession(sessionFromToken(await demoToken(claims)));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="signin-form">
      <p class="muted">{t('auth.demoHint')}</p>
      <fieldset class="role-grid">
        <legend>{t('auth.role')}</legend>
        {roles.map((r) => (
          <label key={r} class={`role-card ${role === r ? 'selected' : ''}`}>
            <input
              type="radio"
              name="role"
              value={r}
              checked={role === r}
              onChange={() => setRole(r)}
              data-testid={`role-${r}`}
            />
            <span class="role-name">{t(`role.${r}`)}</span>
            <span class="role-desc">{t(`role.${r}.desc`)}</span>
          </label>
        ))}
      </fieldset>
      {role === 'supervisor' || role === 'dispatcher' ? (
        <Field label={t('auth.street')} id="signin-street">
          <select id="signin-street" value={streetId} onChange={(e) => setStreetId(e.currentTarget.value)}>
            <option value="">{t('auth.allStreets')}</option>
            {streets.map((s) => (
              <option key={s.id} value={s.streetId}>
                {s.name.replace(/^醴陵市/, '').replace(/办事处$/, '')}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {role === 'unit' ? (
        <Field label={t('auth.unit')} id="signin-unit">
          <select id="signin-unit" value={unitId} onChange={(e) => setUnitId(e.currentTarget.value)}>
            {(lists?.units.length ? lists.units : [{ id: unitId, name: unitId }]).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {role === 'reporter' ? (
        <Field label={t('auth.community')} id="signin-community">
          <select
            id="signin-community"
            value={communityId}
            onChange={(e) => setCommunityId(e.currentTarget.value)}
          >
            {(lists?.communities.length ? lists.communities : [{ id: communityId, name: communityId }]).map(
              (c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ),
            )}
          </select>
        </Field>
      ) : null}
      {error ? <ProblemBox error={error} /> : null}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
        {t('auth.signIn')}
      </button>
    </form>
  );
}

async function cognito(region: string, target: string, body: unknown) {
  const res = await fetch(`https://cognito-idp.${region}.amazonaws.com/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { __type?: string; message?: string };
  if (!res.ok) {
    throw new ApiError(res.status, {
      title: (json.__type ?? 'Sign-in failed').replace(/^.*#/, ''),
      detail: json.message ?? res.statusText,
    });
  }
  return cognitoAuthSchema.parse(json);
}

function CognitoForm(props: { config: SiteConfig }) {
  const { region, userPoolClientId } = props.config;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [challenge, setChallenge] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const out = challenge
        ? await cognito(region, 'RespondToAuthChallenge', {
            ChallengeName: 'NEW_PASSWORD_REQUIRED',
            ClientId: userPoolClientId,
            Session: challenge,
            ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
          })
        : await cognito(region, 'InitiateAuth', {
            AuthFlow: 'USER_PASSWORD_AUTH',
            ClientId: userPoolClientId,
            AuthParameters: { USERNAME: username, PASSWORD: password },
          });
      if (out.AuthenticationResult) {
        setSession(sessionFromToken(out.AuthenticationResult.IdToken));
        return;
      }
      if (out.ChallengeName === 'NEW_PASSWORD_REQUIRED' && out.Session) {
        setChallenge(out.Session);
      } else {
        throw new ApiError(401, { title: 'Sign-in failed', detail: out.ChallengeName ?? 'no token' });
      }
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };

  return (
    <form onSubmit={submit} class="signin-form">
      <p class="muted">{challenge ? t('auth.newPasswordHint') : t('auth.cognitoHint')}</p>
      <Field label={t('auth.username')} id="signin-user">
        <input
          id="signin-user"
          autoComplete="username"
          value={username}
          required
          readOnly={Boolean(challenge)}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </Field>
      {challenge ? (
        <Field label={t('auth.newPassword')} id="signin-new">
          <input
            id="signin-new"
            type="password"
            autoComplete="new-password"
            required
            value={newPassword}
            onInput={(e) => setNewPassword(e.currentTarget.value)}
          />
        </Field>
      ) : (
        <Field label={t('auth.password')} id="signin-pass">
          <input
            id="signin-pass"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
      )}
      {error ? <ProblemBox error={error} /> : null}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
        {t('auth.signIn')}
      </button>
    </form>
  );
}
