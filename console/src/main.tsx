import { render } from 'preact';

function App() {
  return (
    <p>
      吹哨报到 · 管理台 — API reference at <a href="/docs">/docs</a>
    </p>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
