// The front-desk page of `sscard serve`: what a hospital information system's web page does with
// the local card service, written against its public JSON interface only (POST /api, GET /readers,
// WebSocket /ws for events). Plain browser JavaScript, no build step, so an HIS developer can read
// it as an example. The bearer token, when the service has one, comes in the page's #token=… part
// (the address `sscard serve` prints), which never reaches a server.

const CARD_AUTO = 3; // iType 3: contact first, then contactless (card-spec §10.3)
const PIN_WRONG = -51;
const PIN_BLOCKED = -52;

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
const $ = (id) => document.getElementById(id);

/** What the current card said about itself: `identifier|card number|` for the calls that check it. */
let cardInfo = '';

async function call(request) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch('/api', { method: 'POST', headers, body: JSON.stringify(request) });
  const answer = await response.json().catch(() => ({ success: false, code: -1, error: `HTTP ${response.status}` }));
  return answer;
}

function show(id, text, ok) {
  const element = $(id);
  element.textContent = text;
  element.className = `message ${ok ? 'ok' : 'error'}`;
}

function failure(answer) {
  return `${answer.error ?? answer.pOutInfo ?? 'failed'} (code ${answer.code})`;
}

/** iReadCardBas's 11 fields: region|SSN|card number|identifier|name|historical bytes|version|issued|expiry|terminal|device| */
async function readCard() {
  const answer = await call({ function: 'iReadCardBas', iType: CARD_AUTO });
  if (!answer.success) {
    $('cardholder').hidden = true;
    cardInfo = '';
    return show('card-message', failure(answer), false);
  }
  const [region, ssn, cardNumber, identifier, name, , , , expiry] = answer.pOutInfo.split('|');
  $('holder-name').textContent = name;
  $('holder-ssn').textContent = ssn;
  $('card-number').textContent = cardNumber;
  $('card-region').textContent = region;
  $('card-expiry').textContent = `${expiry.slice(0, 4)}-${expiry.slice(4, 6)}-${expiry.slice(6, 8)}`;
  $('cardholder').hidden = false;
  cardInfo = `${identifier}|${cardNumber}|`;
  show('card-message', 'Card read', true);
}

function pinMessage(answer) {
  if (answer.code === PIN_WRONG) {
    const tries = /\d+/.exec(answer.pOutInfo ?? '')?.[0];
    return tries === undefined ? 'Wrong PIN' : `Wrong PIN: ${tries} tries left`;
  }
  if (answer.code === PIN_BLOCKED) return 'The PIN is blocked: the cardholder must unblock it at a service outlet';
  return failure(answer);
}

async function verifyPin() {
  const answer = await call({ function: 'iVerifyPIN', iType: CARD_AUTO, pin: $('pin').value });
  if (answer.success) show('pin-message', 'PIN verified', true);
  else show('pin-message', pinMessage(answer), false);
}

/** iReadBalance (an sscard extension): account balance|self-pay total|pooling total|payment year| */
async function readBalance() {
  const answer = await call({ function: 'iReadBalance', iType: CARD_AUTO, pin: $('pin').value });
  if (!answer.success) {
    $('balance').textContent = '—';
    return show('pay-message', answer.code === PIN_WRONG || answer.code === PIN_BLOCKED ? pinMessage(answer) : failure(answer), false);
  }
  $('balance').textContent = `${answer.pOutInfo.split('|')[0]} yuan`;
  // The card took the PIN: an earlier "wrong PIN" no longer holds.
  show('pin-message', 'PIN verified', true);
}

function now() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
}

function confirmPayment(amount) {
  const dialog = $('confirm-pay');
  $('confirm-text').textContent = `Pay ${amount} yuan from the medical account of ${$('holder-name').textContent}?`;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.showModal();
  });
}

async function pay() {
  const amount = $('amount').value.trim();
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(amount)) return show('pay-message', 'Enter an amount in yuan, such as 12.34', false);
  if (!cardInfo) return show('pay-message', 'Read the card first', false);
  const fixed = Number(amount).toFixed(2);
  if (!(await confirmPayment(fixed))) return show('pay-message', 'Payment cancelled', false);
  // pPayInfo: total | personal account + pooling fund | time (card-spec §10.3, iDoDebit)
  const answer = await call({
    function: 'iDoDebit',
    iType: CARD_AUTO,
    pCardInfo: cardInfo,
    pPayInfo: `${fixed}|${fixed}|${now()}|`,
    pin: $('pin').value,
  });
  if (!answer.success) return show('pay-message', answer.code === PIN_WRONG ? pinMessage(answer) : failure(answer), false);
  const tac = answer.pOutInfo.split('|').at(-2);
  show('pay-message', `Paid ${fixed} yuan (TAC ${tac})`, true);
  await readBalance();
}

async function listReaders() {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch('/readers', { headers });
  if (!response.ok) return;
  const { readers } = await response.json();
  $('readers').replaceChildren(
    ...readers.map((reader) => {
      const item = document.createElement('li');
      item.textContent = `${reader.name} (${reader.role}): ${reader.cardPresent ? 'card present' : 'no card'}`;
      return item;
    }),
  );
}

function logEvent(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('events').prepend(item);
}

/** Reader and card events, pushed by the service; reconnects when the service restarts. */
function watchEvents() {
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = token ? new WebSocket(url, ['sscard', `bearer.${token}`]) : new WebSocket(url, ['sscard']);
  socket.addEventListener('open', () => {
    $('service').textContent = 'service connected';
    $('service').className = 'state';
    listReaders();
  });
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(message.data);
    if (!data.event) return;
    logEvent(`${data.event} ${data.reader ?? ''}`);
    listReaders();
    if (data.event === 'card-removed') {
      cardInfo = '';
      $('cardholder').hidden = true;
      $('balance').textContent = '—';
    }
  });
  socket.addEventListener('close', () => {
    $('service').textContent = 'service not reachable';
    $('service').className = 'state down';
    setTimeout(watchEvents, 2000);
  });
}

$('read-card').addEventListener('click', readCard);
$('verify-pin').addEventListener('click', verifyPin);
$('read-balance').addEventListener('click', readBalance);
$('pay').addEventListener('click', pay);
watchEvents();
