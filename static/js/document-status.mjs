// Polls a report PDF's progress and offers the download when it is ready.
import { pollStatus } from './status-poll.mjs'

const container = document.querySelector('[data-module="app-document-status"]')

if (container) {
  const download = container.querySelector('[data-download]')
  const hint = container.querySelector('[data-refresh-hint]')

  if (download.hidden) {
    pollStatus(container, (body, message) => {
      if (body.status === 'ready') {
        message.textContent = 'The PDF is ready.'
        download.hidden = false
        if (hint) hint.hidden = true
        return false
      }
      if (body.status === 'failed') {
        message.textContent = 'The PDF could not be made. Try again from the report page.'
        if (hint) hint.hidden = true
        return false
      }
      message.textContent = `The PDF is being prepared: ${body.progress}% done.`
      return true
    })
  }
}
