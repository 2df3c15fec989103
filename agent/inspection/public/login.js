// The login form: a JSON POST (the server checks its Origin); the session cookie is HttpOnly.
/* global document, location, fetch */
const form = document.getElementById('login-form');
const error = document.getElementById('error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  const body = JSON.stringify({ username: document.getElementById('username').value, password: document.getElementById('password').value });
  try {
    const response = await fetch('/api/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) return location.assign('/');
    error.textContent = answer.messageVi ?? `Lỗi ${response.status}`;
  } catch (failure) {
    error.textContent = `Không kết nối được với máy xác minh: ${failure.message}`;
  }
  error.hidden = false;
  document.getElementById('password').value = '';
});
