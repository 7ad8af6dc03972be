/**
 * GET /w: raise a whistle from a phone (issue 20). One HTML page, Chinese first (`?lang=en`), laid
 * out for 360 px, no app. It speaks the ordinary API with the reporter's token: the community
 * comes from the token (a dev token from POST /v1/local/tokens on the embedded runtime, a Cognito
 * ID token on AWS, kept in localStorage as `wd.token`). As the reporter types it shows the top three
 * duty items (GET /v1/duty-items?q=) as one-tap choices and similar open tickets to join
 * (GET /v1/tickets/similar). A report made without a network is kept in localStorage with its
 * Idempotency-Key and sent again, with the same key, when the network returns; the page says so.
 * Script and style are inline and allowed by their hashes only.
 */
import { type CspDirectives, cspHash } from '../lib/security-headers';

type Lang = 'zh' | 'en';

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#1d2129}
header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#c62828;color:#fff}header a{color:#fff}
main{max-width:560px;margin:0 auto;padding:12px}section{background:#fff;border-radius:8px;padding:12px;margin-bottom:12px}
label{display:block;font-weight:600;margin:8px 0 4px}textarea,select,input{width:100%;font:inherit;padding:8px;border:1px solid #c9cdd4;border-radius:6px}
textarea{min-height:7em}button{font:inherit;min-height:44px;padding:8px 12px;border-radius:6px;border:1px solid #c62828;background:#fff;color:#c62828;margin:4px 0;width:100%;text-align:left}
button.primary{background:#c62828;color:#fff;text-align:center}button[aria-pressed=true]{background:#ffebee;font-weight:700}
.muted{color:#4e5969;font-size:14px}[role=status]{font-weight:600}ul{list-style:none;margin:0;padding:0}`;

const WORDS = {
  zh: {
    title: '吹哨上报',
    other: 'English',
    otherLang: 'en',
    signedOut: '请先登录（本地运行：选择社区获取开发令牌）。',
    community: '社区',
    signIn: '登录',
    what: '看到了什么？（可语音输入）',
    suggest: '可能的事项（点选一项；不选则由街道分拨）',
    similar: '附近已有相似工单，可以一同反映',
    join: '一同反映',
    joined: '已加入，办结时会通知您。',
    channel: '来源',
    channels: { grid: '网格巡查', hotline: '热线', market_day: '赶集日', night_patrol: '夜巡' },
    where: '附上位置',
    submit: '提交',
    sent: '已提交，工单号',
    triage: '已提交，等待街道分拨，工单号',
    queued: '网络不通：报告已保存在手机上，联网后会自动重新提交。',
    resent: '网络恢复，已补交保存的报告。',
    failed: '提交失败：',
  },
  en: {
    title: 'Blow the whistle',
    other: '中文',
    otherLang: 'zh',
    signedOut: 'Sign in first (locally: pick a community for a dev token).',
    community: 'Community',
    signIn: 'Sign in',
    what: 'What did you see? (dictation works)',
    suggest: 'Likely duty items (tap one; none: the street triages it)',
    similar: 'Similar open tickets nearby: you can join one',
    join: 'Join',
    joined: 'Joined: you will be told when it is closed.',
    channel: 'Channel',
    channels: {
      grid: 'Grid patrol',
      hotline: 'Hotline',
      market_day: 'Market day',
      night_patrol: 'Night patrol',
    },
    where: 'Attach my location',
    submit: 'Submit',
    sent: 'Sent, ticket',
    triage: 'Sent; awaiting the street’s triage, ticket',
    queued: 'No network: the report is kept on this phone and sent again when the network returns.',
    resent: 'Network back: the kept report was sent.',
    failed: 'Could not send: ',
  },
} as const;

const SCRIPT = `(function(){
var W=JSON.parse(document.getElementById('words').textContent);var $=function(i){return document.getElementById(i)};
var tok=localStorage.getItem('wd.token');var choice=null;var timer=null;
function claims(t){try{return JSON.parse(atob(t.split('.')[1].replace(/-/g,'+').replace(/_/g,'/')))}catch(e){return null}}
function say(t){$('status').textContent=t}
function api(m,p,b,h){var hd={'authorization':'Bearer '+tok};if(b)hd['content-type']='application/json';for(var k in h)hd[k]=h[k];return fetch(p,{method:m,headers:hd,body:b?JSON.stringify(b):undefined})}
function show(){var c=tok&&claims(tok);$('signin').hidden=!!c;$('form').hidden=!c;if(c)$('who').textContent=c.communityId||''}
$('signin-go').onclick=function(){fetch('/v1/local/tokens',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({role:'reporter',communityId:$('cm').value})}).then(function(r){return r.json()}).then(function(j){tok=j.token;localStorage.setItem('wd.token',tok);show()})};
function li(list,text,onclick,pressed){var b=document.createElement('button');b.type='button';b.textContent=text;if(pressed!==undefined)b.setAttribute('aria-pressed',String(pressed));b.onclick=onclick;var l=document.createElement('li');l.appendChild(b);list.appendChild(l);return b}
function look(){var q=$('what').value.trim();if(q.length<2){$('sugg').innerHTML='';$('sim').innerHTML='';return}
api('GET','/v1/duty-items?limit=3&q='+encodeURIComponent(q)).then(function(r){return r.json()}).then(function(j){var ul=$('sugg');ul.innerHTML='';(j.items||[]).slice(0,3).forEach(function(it){var b=li(ul,it.name,function(){choice=choice===it.dutyItemId?null:it.dutyItemId;Array.prototype.forEach.call(ul.querySelectorAll('button'),function(x){x.setAttribute('aria-pressed','false')});b.setAttribute('aria-pressed',String(choice===it.dutyItemId))},choice===it.dutyItemId);b.dataset.item=it.dutyItemId})}).catch(function(){});
var c=claims(tok);api('GET','/v1/tickets/similar?limit=3&communityId='+c.communityId+'&q='+encodeURIComponent(q)).then(function(r){return r.json()}).then(function(j){var ul=$('sim');ul.innerHTML='';(j.items||[]).forEach(function(t){li(ul,W.join+'：'+t.code+' '+t.title,function(){api('POST','/v1/tickets/'+t.id+'/join',{}).then(function(r){say(r.ok?W.joined:W.failed+r.status)})})})}).catch(function(){})}
$('what').oninput=function(){clearTimeout(timer);timer=setTimeout(look,250)};
function send(rep){return api('POST','/v1/tickets',rep.body,{'idempotency-key':rep.key}).then(function(r){return r.json().then(function(j){if(!r.ok)throw {status:r.status,detail:j.detail};localStorage.removeItem('wd.outbox');say((j.status==='triage'?W.triage:W.sent)+' '+j.code);return j})})}
function keep(rep){localStorage.setItem('wd.outbox',JSON.stringify(rep));say(W.queued)}
$('form').onsubmit=function(e){e.preventDefault();var c=claims(tok);var body={communityId:c.communityId,description:$('what').value.trim(),channel:$('channel').value};if(choice)body.dutyItemId=choice;
var go=function(){var rep={key:(crypto.randomUUID?crypto.randomUUID():String(Date.now())+Math.random()),body:body};if(!navigator.onLine){keep(rep);return}send(rep).catch(function(err){if(err&&err.status)say(W.failed+(err.detail||err.status));else keep(rep)})};
if($('where').checked&&navigator.geolocation)navigator.geolocation.getCurrentPosition(function(p){body.location={lat:p.coords.latitude,lng:p.coords.longitude};go()},go,{timeout:5000});else go()};
function flush(){var raw=localStorage.getItem('wd.outbox');if(!raw||!tok)return;send(JSON.parse(raw)).then(function(j){say(W.resent+' '+j.code)}).catch(function(){})}
window.addEventListener('online',flush);show();if(localStorage.getItem('wd.outbox'))say(W.queued);flush();
})();`;

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The communities offered for a dev token (embedded runtime only; on AWS the sign-in is Cognito's). */
export function whistlePage(
  lang: Lang,
  communities: { id: string; name: string }[],
): { html: string; csp: CspDirectives } {
  const w = WORDS[lang];
  const wordsJson = JSON.stringify(w).replace(/</g, '\\u003c');
  const options = communities.map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join('');
  const channels = Object.entries(w.channels)
    .map(([k, v]) => `<option value="${k}">${esc(v)}</option>`)
    .join('');
  const html = `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(w.title)}</title><style>${CSS}</style></head><body>
<header><b>${esc(w.title)}</b><a href="?lang=${w.otherLang}">${w.other}</a></header><main>
<p role="status" id="status" aria-live="polite"></p>
<section id="signin" hidden><p class="muted">${esc(w.signedOut)}</p><label for="cm">${esc(w.community)}</label><select id="cm">${options}</select><button type="button" class="primary" id="signin-go">${esc(w.signIn)}</button></section>
<form id="form" hidden><section><p class="muted" id="who"></p><label for="what">${esc(w.what)}</label><textarea id="what" required maxlength="2000"></textarea></section>
<section><h2 class="muted">${esc(w.suggest)}</h2><ul id="sugg"></ul></section>
<section><h2 class="muted">${esc(w.similar)}</h2><ul id="sim"></ul></section>
<section><label for="channel">${esc(w.channel)}</label><select id="channel">${channels}</select>
<label><input type="checkbox" id="where" style="width:auto"> ${esc(w.where)}</label></section>
<button type="submit" class="primary" id="submit">${esc(w.submit)}</button></form></main>
<script type="application/json" id="words">${wordsJson}</script><script>${SCRIPT}</script></body></html>`;
  return {
    html,
    csp: {
      'default-src': ["'none'"],
      'script-src': [cspHash(SCRIPT)],
      'style-src': [cspHash(CSS), "'unsafe-inline'"],
      'connect-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  };
}
