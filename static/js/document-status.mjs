// Polls a report PDF's progress and offers the download when it is ready. Without
// JavaScript the page still says how far it has got and links to itself to refresh.
const container = document.querySelector('[data-module="app-document-status"]')

if (container) {
  const message = container.querySelector('[data-status-message]')
  const progress = container.querySelector('[data-progress]')
  const download = container.querySelector('[data-download]')
  const hint = container.querySelector('[data-refresh-hint]')
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
    if (body.status === 'ready') {
      message.textContent = 'The PDF is ready.'
      download.hidden = false
      if (hint) hint.hidden = true
    } else if (body.status === 'failed') {
      message.textContent = 'The PDF could not be made. Try again from the report page.'
      if (hint) hint.hidden = true
    } else {
      message.textContent = `The PDF is being prepared: ${body.progress}% done.`
      window.setTimeout(poll, 1000)
    }
  }

  if (download.hidden) window.setTimeout(poll, 500)
}
