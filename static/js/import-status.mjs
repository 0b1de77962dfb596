// Polls an SSDA903 import's progress; when it has finished, reloads the page, which then shows
// the counts or every error. Without JavaScript the page still says how far it has got and
// links to itself to refresh.
const container = document.querySelector('[data-module="app-import-status"]')

if (container) {
  const message = container.querySelector('[data-status-message]')
  const progress = container.querySelector('[data-progress]')
  const statusUrl = container.dataset.statusUrl

  const poll = async () => {
    let body
    try {
      const response = await fetch(statusUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (!response.ok) throw new Error(`status ${response.status}`)
      body = await response.json()
    } catch (error) {
      message.textContent = 'Could not check the progress. Refresh this page to try again.'
      return
    }
    progress.value = body.progress
    if (body.finished) {
      message.textContent = `${body.status_label}. Showing the outcome…`
      window.location.reload()
    } else {
      const stage = body.status === 'queued' ? 'Waiting to start' : (body.stage || 'Importing')
      message.textContent = `${stage}: ${body.progress}% done.`
      window.setTimeout(poll, 1000)
    }
  }

  window.setTimeout(poll, 500)
}
